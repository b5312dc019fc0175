using System.Buffers;
using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Recovery;

/// <summary>
/// Finds work items whose lease expired and puts them back in the queue, or fails them when the expired lease was
/// their last attempt.
/// </summary>
/// <remarks>
/// <para>
/// Each batch is a read-only scan (no write lock) followed by ONE conditional <c>UPDATE</c> that re-checks, per row,
/// that the item is still leased, still expired and still at the epoch the scan saw. A lease renewed or taken over
/// between the scan and the update is therefore left alone, and the work never runs twice because of the sweep.
/// </para>
/// <para>
/// No external I/O happens while the write lock is held: the lock covers one <c>UPDATE</c> statement per batch and is
/// released between batches, so other writers are not starved. Workers do not need the sweep to take over an expired
/// lease (<see cref="Leases.LeaseManager.TryAcquire"/> does that directly); the sweep keeps the queue honest for items
/// nobody asks for by id, and fails items that ran out of attempts.
/// </para>
/// </remarks>
public sealed partial class RecoverySweep
{
    private const string ScanSql = """
        SELECT work_item_id, lease_epoch, lease_expires_at_ms FROM work_items
        WHERE status = 'leased' AND lease_expires_at_ms <= $now
          AND (lease_expires_at_ms, work_item_id) > ($after_expires, $after_id)
        ORDER BY lease_expires_at_ms, work_item_id
        LIMIT $limit
        """;

    // The re-check in the WHERE clause is the whole point: status, expiry and epoch must still be what the scan saw.
    private const string RecoverSql = """
        UPDATE work_items AS w
        SET status = CASE WHEN w.attempts >= w.max_attempts THEN 'failed' ELSE 'pending' END,
            error = printf(
                'The lease of worker ''%s'' (epoch %d) expired on attempt %d of %d; %s',
                w.lease_holder, w.lease_epoch, w.attempts, w.max_attempts,
                CASE WHEN w.attempts >= w.max_attempts THEN 'no attempts left, the item failed.' ELSE 're-queued by the recovery sweep.' END),
            lease_holder = NULL,
            lease_expires_at_ms = NULL,
            completed_at_ms = CASE WHEN w.attempts >= w.max_attempts THEN $now END,
            updated_at_ms = $now
        FROM (SELECT value ->> 0 AS id, value ->> 1 AS epoch FROM json_each($batch)) AS b
        WHERE w.work_item_id = b.id
          AND w.lease_epoch = b.epoch
          AND w.status = 'leased'
          AND w.lease_expires_at_ms <= $now
        RETURNING status
        """;

    private readonly AgentOsStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly RecoverySweepOptions _options;

    /// <summary>Creates a sweep over <paramref name="store"/>.</summary>
    /// <param name="store">The store that holds the <c>work_items</c> table.</param>
    /// <param name="timeProvider">The clock that decides which leases have expired; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="options">Batch size; copied, so later changes to the instance have no effect.</param>
    public RecoverySweep(AgentOsStore store, TimeProvider? timeProvider = null, RecoverySweepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var copy = (options ?? new RecoverySweepOptions()).Clone();
        copy.Validate();
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _options = copy;
    }

    /// <summary>Test seam: runs after each scan, before its update, with no lock held.</summary>
    internal Action<IReadOnlyList<ExpiredLease>>? AfterScan { get; set; }

    /// <summary>
    /// Recovers every lease that has expired by now: re-queues the item, or fails it when the lease was its last attempt.
    /// Leases that expire while the sweep runs wait for the next run.
    /// </summary>
    /// <returns>What was found and done. A batch that cannot be written is counted in <see cref="RecoveryStats.Errors"/> and ends the run.</returns>
    /// <exception cref="StoreException">The store cannot be opened or read.</exception>
    public RecoveryStats ScanAndRecover() => Run(CancellationToken.None);

    /// <summary>Asynchronous <see cref="ScanAndRecover"/>; cancellation is observed between batches.</summary>
    /// <remarks>SQLite has no asynchronous I/O: like Microsoft.Data.Sqlite's own asynchronous methods, the batches run on the calling thread.</remarks>
    public Task<RecoveryStats> ScanAndRecoverAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<RecoveryStats>(cancellationToken);
        }

        try
        {
            return Task.FromResult(Run(cancellationToken));
        }
        catch (OperationCanceledException ex) when (ex.CancellationToken == cancellationToken)
        {
            return Task.FromCanceled<RecoveryStats>(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromException<RecoveryStats>(ex);
        }
    }

    private RecoveryStats RunCore(CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        // One "now" for the whole run: what counts as expired does not move while the sweep works.
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        int found = 0, recovered = 0, failed = 0, leftAlone = 0, batches = 0;
        var errors = new List<string>();
        var afterExpires = long.MinValue;
        var afterId = string.Empty;

        using var connection = (SqliteConnection)_store.OpenConnection();
        using var scan = connection.CreateCommand();
        scan.CommandText = ScanSql;
        scan.Parameters.AddWithValue("$now", now);
        scan.Parameters.AddWithValue("$limit", _options.BatchSize);
        var afterExpiresParameter = scan.Parameters.Add("$after_expires", SqliteType.Integer);
        var afterIdParameter = scan.Parameters.Add("$after_id", SqliteType.Text);
        using var recover = connection.CreateCommand();
        recover.CommandText = RecoverSql;
        recover.Parameters.AddWithValue("$now", now);
        var batchParameter = recover.Parameters.Add("$batch", SqliteType.Text);

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            afterExpiresParameter.Value = afterExpires;
            afterIdParameter.Value = afterId;
            var expired = Scan(scan);
            if (expired.Count == 0)
            {
                break;
            }

            found += expired.Count;
            (afterExpires, afterId) = (expired[^1].ExpiresAtMilliseconds, expired[^1].WorkItemId);
            AfterScan?.Invoke(expired);

            batchParameter.Value = ToJson(expired);
            try
            {
                // One statement per batch: SQLite holds the write lock for this UPDATE only, then lets other writers in.
                using var reader = recover.ExecuteReader();
                var updated = 0;
                while (reader.Read())
                {
                    updated++;
                    if (string.Equals(reader.GetString(0), "failed", StringComparison.Ordinal))
                    {
                        failed++;
                    }
                    else
                    {
                        recovered++;
                    }
                }

                leftAlone += expired.Count - updated;
                batches++;
            }
            catch (SqliteException ex)
            {
                errors.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Batch {batches + 1} ({expired.Count} expired leases from work item '{expired[0].WorkItemId}') was not recovered: {ex.Message} (database '{_store.DatabasePath}')"));
                break;
            }

            if (expired.Count < _options.BatchSize)
            {
                break;
            }
        }

        return new RecoveryStats
        {
            ExpiredFound = found,
            Recovered = recovered,
            FailedAfterMaxAttempts = failed,
            LeftAlone = leftAlone,
            Errors = errors.Count,
            ErrorMessages = errors,
            Batches = batches,
            Duration = _timeProvider.GetElapsedTime(started),
        };
    }

    private List<ExpiredLease> Scan(SqliteCommand scan)
    {
        try
        {
            var expired = new List<ExpiredLease>(_options.BatchSize);
            using var reader = scan.ExecuteReader();
            while (reader.Read())
            {
                expired.Add(new ExpiredLease(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return expired;
        }
        catch (SqliteException ex)
        {
            throw _store.Failure(ex, "scan for expired leases");
        }
    }

    // The batch travels as one JSON parameter ([[id, epoch], ...]): one statement, no SQL built from values.
    private static string ToJson(List<ExpiredLease> expired)
    {
        var buffer = new ArrayBufferWriter<byte>(expired.Count * 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var lease in expired)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(lease.WorkItemId);
                writer.WriteNumberValue(lease.Epoch);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
