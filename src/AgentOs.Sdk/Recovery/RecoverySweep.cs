using System.Buffers;
using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.Recovery;

/// <summary>
/// Finds work items whose lease expired and puts them back in the queue, or fails them when the expired lease was
/// their last attempt.
/// </summary>
/// <remarks>
/// <para>
/// Each batch is a plain read (no write lock) followed by one write transaction with ONE conditional <c>UPDATE</c> that
/// re-checks, per row, that the item is still leased, still expired and still at the epoch the scan saw. A lease renewed
/// or taken over between the scan and the update is therefore left alone, and the work never runs twice because of the sweep.
/// </para>
/// <para>
/// Several hosts may sweep one server store at once: on PostgreSQL the update skips rows another transaction holds
/// (<c>FOR UPDATE SKIP LOCKED</c>), so two sweepers that scanned the same batch split it, each lease recovered once, and
/// neither waits for the other.
/// </para>
/// <para>
/// No external I/O happens while the write lock is held: it covers one <c>UPDATE</c> statement per batch and is
/// released between batches, so other writers are not starved. Workers do not need the sweep to take over an expired
/// lease (<see cref="Leases.LeaseManager.TryAcquire"/> does that directly); the sweep keeps the queue honest for items
/// nobody asks for by id, and fails items that ran out of attempts.
/// </para>
/// <para>
/// What counts as expired is judged once per run by the store's clock rule: the sweep's <see cref="TimeProvider"/> on
/// SQLite, the database server's clock on PostgreSQL unless the store opted into the caller's clock.
/// </para>
/// </remarks>
public sealed partial class RecoverySweep
{
    private const string ScanSql = """
        SELECT work_item_id, lease_epoch, lease_expires_at_ms FROM work_items
        WHERE status = 'leased' AND lease_expires_at_ms <= @now
          AND (lease_expires_at_ms, work_item_id) > (@after_expires, @after_id)
        ORDER BY lease_expires_at_ms, work_item_id
        LIMIT @limit
        """;

    // The re-check in the WHERE clause is the whole point: status, expiry and epoch must still be what the scan saw. The
    // batch travels as one JSON parameter ([[id, epoch], ...]); {pairs} is the dialect's table of its pairs. On a server store
    // rows another sweeper (or a worker) is changing right now are skipped and counted as left alone.
    private const string RecoverSqlTemplate = $$"""
        UPDATE work_items AS w
        SET status = CASE WHEN w.attempts >= w.max_attempts THEN 'failed' ELSE 'pending' END,
            error = format(
                'The lease of worker ''%s'' (epoch %s) expired on attempt %s of %s; %s',
                w.lease_holder, w.lease_epoch, w.attempts, w.max_attempts,
                CASE WHEN w.attempts >= w.max_attempts THEN 'no attempts left, the item failed.' ELSE 're-queued by the recovery sweep.' END),
            lease_holder = NULL,
            lease_expires_at_ms = NULL,
            completed_at_ms = CASE WHEN w.attempts >= w.max_attempts THEN @now END,
            updated_at_ms = @now
        FROM (
            SELECT x.work_item_id FROM work_items AS x
            WHERE (x.work_item_id, x.lease_epoch) IN (SELECT b.id, b.n FROM ({pairs}) AS b)
              AND x.status = 'leased' AND x.lease_expires_at_ms <= @now
            {{StoreDialect.ClaimRows}}) AS picked
        WHERE w.work_item_id = picked.work_item_id
          AND w.status = 'leased'
          AND w.lease_expires_at_ms <= @now
        RETURNING status
        """;

    private readonly AgentOsStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly RecoverySweepOptions _options;
    private readonly string _recoverSql;

    /// <summary>Creates a sweep over <paramref name="store"/>.</summary>
    /// <param name="store">The store that holds the <c>work_items</c> table.</param>
    /// <param name="timeProvider">The clock that decides which leases have expired (where the store's clock rule uses the caller's clock); default <see cref="TimeProvider.System"/>.</param>
    /// <param name="options">Batch size; copied, so later changes to the instance have no effect.</param>
    public RecoverySweep(AgentOsStore store, TimeProvider? timeProvider = null, RecoverySweepOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var copy = (options ?? new RecoverySweepOptions()).Clone();
        copy.Validate();
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _options = copy;
        _recoverSql = RecoverSqlTemplate.Replace("{pairs}", store.Provider.Dialect.JsonPairs("@batch"), StringComparison.Ordinal);
    }

    /// <summary>Test seam: runs after each scan, before its update, with no lock held.</summary>
    internal Action<IReadOnlyList<ExpiredLease>>? AfterScan { get; set; }

    /// <summary>
    /// Recovers every lease that has expired by now: re-queues the item, or fails it when the lease was its last attempt.
    /// Leases that expire while the sweep runs wait for the next run.
    /// </summary>
    /// <returns>What was found and done. A batch that cannot be written is counted in <see cref="RecoveryStats.Errors"/> and ends the run.</returns>
    /// <exception cref="StoreException">The store cannot be opened or read.</exception>
    public RecoveryStats ScanAndRecover() => AgentOsStore.Synchronously(RunAsync(async: false, CancellationToken.None));

    /// <summary>Asynchronous <see cref="ScanAndRecover"/>; cancellation is observed between batches.</summary>
    /// <remarks>On SQLite, which has no asynchronous I/O, the batches run on the calling thread; on PostgreSQL they are asynchronous.</remarks>
    public async Task<RecoveryStats> ScanAndRecoverAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await RunAsync(async: true, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<RecoveryStats> RunCoreAsync(bool async, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        // One "now" for the whole run (read with the first scan): what counts as expired does not move while the sweep works.
        long? now = null;
        int found = 0, recovered = 0, failed = 0, leftAlone = 0, batches = 0;
        var errors = new List<string>();
        var afterExpires = long.MinValue;
        var afterId = string.Empty;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (expired, scanNow) = await ScanAsync(async, now, afterExpires, afterId, cancellationToken).ConfigureAwait(false);
            now = scanNow;
            if (expired.Count == 0)
            {
                break;
            }

            found += expired.Count;
            (afterExpires, afterId) = (expired[^1].ExpiresAtMilliseconds, expired[^1].WorkItemId);
            AfterScan?.Invoke(expired);

            try
            {
                var statuses = await RecoverAsync(async, expired, scanNow, cancellationToken).ConfigureAwait(false);
                failed += statuses.Failed;
                recovered += statuses.Requeued;
                leftAlone += expired.Count - statuses.Failed - statuses.Requeued;
                batches++;
            }
            catch (StoreException ex)
            {
                errors.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Batch {batches + 1} ({expired.Count} expired leases from work item '{expired[0].WorkItemId}') was not recovered: {ex.Message}"));
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

    // A plain read, outside any write transaction: other writers are never held up by the scan.
    private ValueTask<(List<ExpiredLease> Expired, long Now)> ScanAsync(bool async, long? runNow, long afterExpires, string afterId, CancellationToken cancellationToken)
    {
        const string Doing = "scan for expired leases";
        return async
            ? _store.ReadAsync(Doing, _timeProvider, Work, cancellationToken: cancellationToken)
            : ValueTask.FromResult(_store.Read(Doing, _timeProvider, Work, cancellationToken: cancellationToken));

        async ValueTask<(List<ExpiredLease>, long)> Work(StoreTransaction tx)
        {
            var now = runNow ?? tx.UtcNowMilliseconds;
            var command = tx.Command(ScanSql)
                .SetParameter("@now", now)
                .SetParameter("@after_expires", afterExpires)
                .SetParameter("@after_id", afterId)
                .SetParameter("@limit", _options.BatchSize);
            var expired = new List<ExpiredLease>(_options.BatchSize);
            var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await tx.ReadAsync(reader).ConfigureAwait(false))
                {
                    expired.Add(new ExpiredLease(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
                }
            }

            return (expired, now);
        }
    }

    // One write transaction with one statement: SQLite holds the write lock for this UPDATE only, then lets other writers in.
    private ValueTask<(int Requeued, int Failed)> RecoverAsync(bool async, List<ExpiredLease> expired, long now, CancellationToken cancellationToken)
    {
        var doing = $"recover {expired.Count} expired leases";
        var batch = ToJson(expired);
        return async
            ? _store.WriteAsync(doing, _timeProvider, Work, cancellationToken: cancellationToken)
            : ValueTask.FromResult(_store.Write(doing, _timeProvider, Work, cancellationToken: cancellationToken));

        async ValueTask<(int, int)> Work(StoreTransaction tx)
        {
            var command = tx.Command(_recoverSql).SetParameter("@now", now).SetParameter("@batch", batch);
            int requeued = 0, failed = 0;
            var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await tx.ReadAsync(reader).ConfigureAwait(false))
                {
                    if (string.Equals(reader.GetString(0), "failed", StringComparison.Ordinal))
                    {
                        failed++;
                    }
                    else
                    {
                        requeued++;
                    }
                }
            }

            return (requeued, failed);
        }
    }

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
