using System.Globalization;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Leases;

/// <summary>
/// Acquires, renews and releases leases on work items for one worker, and guards that worker's writes with the lease's
/// fencing token so that a worker that lost its lease (a zombie) cannot write.
/// </summary>
/// <remarks>
/// <para>
/// Every check happens in the database, in the statement or transaction that acts on it: acquiring is one
/// <c>UPDATE … RETURNING</c> that takes a pending item or an expired lease directly (no recovery sweep needed), and
/// renewing, releasing and fenced writes re-check holder, epoch and expiry, so they fail as soon as the lease has expired,
/// even if no sweep has run.
/// </para>
/// <para>
/// Operations that need the lease throw <see cref="LeaseLostException"/> when the worker no longer holds it, rather than
/// returning false: a worker that loses its lease must find out, and an exception cannot be ignored by accident.
/// </para>
/// <para>
/// SQLite has no asynchronous I/O: like Microsoft.Data.Sqlite's own asynchronous methods, the <c>…Async</c> methods run
/// their statements on the calling thread once the connection is open. The manager is thread-safe; each call uses its
/// own connection.
/// </para>
/// </remarks>
public sealed partial class LeaseManager
{
    /// <summary>The longest lease a single acquisition or renewal may ask for.</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromDays(365);

    private const string AcquiredColumns = "work_item_id, lease_epoch, attempts, max_attempts, kind, task_id, payload";

    // The claim conditions shared by both acquisitions: a pending item, or a lease that has expired by the caller's clock,
    // with an attempt left. Checked in the UPDATE itself, so two workers can never both win.
    private const string Claimable = """
        (status = 'pending' OR (status = 'leased' AND lease_expires_at_ms <= $now)) AND attempts < max_attempts
        """;

    private const string TakeLease = """
        UPDATE work_items
        SET status = 'leased', lease_holder = $holder, lease_epoch = lease_epoch + 1, lease_acquired_at_ms = $now,
            lease_expires_at_ms = $expires, heartbeat_at_ms = $now, attempts = attempts + 1, updated_at_ms = $now
        """;

    private const string AcquireSql = $"""
        {TakeLease}
        WHERE work_item_id = $id AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    // Oldest pending item first (it waited longest); otherwise the lease that expired longest ago. Each branch is one
    // seek on its partial index.
    private const string AcquireNextSql = $"""
        {TakeLease}
        WHERE work_item_id = (
            SELECT work_item_id FROM (
                SELECT 0 AS rank, work_item_id FROM (
                    SELECT work_item_id FROM work_items
                    WHERE status = 'pending' AND kind = $kind AND attempts < max_attempts
                    ORDER BY created_at_ms LIMIT 1)
                UNION ALL
                SELECT 1 AS rank, work_item_id FROM (
                    SELECT work_item_id FROM work_items
                    WHERE status = 'leased' AND lease_expires_at_ms <= $now AND kind = $kind AND attempts < max_attempts
                    ORDER BY lease_expires_at_ms LIMIT 1))
            ORDER BY rank LIMIT 1)
          AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    private const string HeldNow = """
        work_item_id = $id AND status = 'leased' AND lease_holder = $holder AND lease_epoch = $epoch AND lease_expires_at_ms > $now
        """;

    private const string RenewSql = $"""
        UPDATE work_items SET lease_expires_at_ms = $expires, heartbeat_at_ms = $now, updated_at_ms = $now
        WHERE {HeldNow}
        """;

    // Success finishes the item; a failure re-queues it while attempts remain, and fails it for good on the last one.
    private const string ReleaseSql = $"""
        UPDATE work_items
        SET status = CASE WHEN $success THEN 'succeeded' WHEN attempts < max_attempts THEN 'pending' ELSE 'failed' END,
            output = $output, error = $error, lease_holder = NULL, lease_expires_at_ms = NULL,
            completed_at_ms = CASE WHEN $success OR attempts >= max_attempts THEN $now END, updated_at_ms = $now
        WHERE {HeldNow}
        RETURNING status
        """;

    private const string IsCurrentSql = $"SELECT EXISTS (SELECT 1 FROM work_items WHERE {HeldNow})";

    private readonly AgentOsStore _store;
    private readonly LeaseOptions _options;

    /// <summary>Creates a lease manager for one worker.</summary>
    /// <param name="store">The store that holds the <c>work_items</c> table.</param>
    /// <param name="workerId">The worker's name, recorded as the lease holder; unique among live workers.</param>
    /// <param name="timeProvider">The clock for acquisitions, expiry and heartbeats; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="options">Heartbeat defaults; copied, so later changes to the instance have no effect.</param>
    public LeaseManager(AgentOsStore store, string workerId, TimeProvider? timeProvider = null, LeaseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        var copy = (options ?? new LeaseOptions()).Clone();
        copy.Validate();
        _store = store;
        _options = copy;
        WorkerId = workerId;
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The worker this manager acts for.</summary>
    public string WorkerId { get; }

    /// <summary>The clock the manager uses.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The store the leases live in.</summary>
    public AgentOsStore Store => _store;

    internal LeaseOptions Options => _options;

    /// <summary>
    /// Leases <paramref name="workItemId"/> for <paramref name="duration"/> if it is pending, or if its lease has expired
    /// (taken over directly, with a higher epoch), and it has an attempt left.
    /// </summary>
    /// <returns>The lease, or null when the item does not exist, is leased by someone whose lease is still valid, is finished, or has no attempts left.</returns>
    public Lease? TryAcquire(string workItemId, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(workItemId);
        ValidateDuration(duration, nameof(duration));
        using var connection = _store.OpenConnection();
        return Acquire(connection, workItemId, kind: null, duration);
    }

    /// <summary>Asynchronous <see cref="TryAcquire"/>.</summary>
    public async Task<Lease?> TryAcquireAsync(string workItemId, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workItemId);
        ValidateDuration(duration, nameof(duration));
        var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return Acquire(connection, workItemId, kind: null, duration);
        }
    }

    /// <summary>
    /// Leases the next item of <paramref name="kind"/>: the oldest pending one, or else the one whose lease expired longest ago.
    /// </summary>
    /// <returns>The lease, or null when no item of that kind can be acquired now.</returns>
    public Lease? TryAcquireNext(string kind, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ValidateDuration(duration, nameof(duration));
        using var connection = _store.OpenConnection();
        return Acquire(connection, workItemId: null, kind, duration);
    }

    /// <summary>Asynchronous <see cref="TryAcquireNext"/>.</summary>
    public async Task<Lease?> TryAcquireNextAsync(string kind, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ValidateDuration(duration, nameof(duration));
        var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return Acquire(connection, workItemId: null, kind, duration);
        }
    }

    /// <summary>Extends a lease this worker holds to <paramref name="duration"/> from now.</summary>
    /// <returns>The lease with its new expiry (same epoch).</returns>
    /// <exception cref="LeaseLostException">
    /// The lease has expired (even if nobody took the item over and no sweep ran), was superseded, released or re-queued,
    /// or names another worker.
    /// </exception>
    public Lease Renew(Lease lease, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ValidateDuration(duration, nameof(duration));
        using var connection = _store.OpenConnection();
        return RenewOn(connection, lease, duration);
    }

    /// <summary>Asynchronous <see cref="Renew"/>.</summary>
    public async Task<Lease> RenewAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ValidateDuration(duration, nameof(duration));
        var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return RenewOn(connection, lease, duration);
        }
    }

    /// <summary>
    /// Ends a lease this worker holds, recording the outcome. Success finishes the item with <paramref name="output"/>;
    /// failure records <paramref name="error"/> and re-queues the item while it has attempts left, or fails it on the last.
    /// </summary>
    /// <returns>The item's status afterwards: <see cref="WorkItemStatus.Succeeded"/>, <see cref="WorkItemStatus.Pending"/> (will be retried) or <see cref="WorkItemStatus.Failed"/>.</returns>
    /// <exception cref="LeaseLostException">
    /// This worker no longer holds the lease; nothing was recorded, so the caller still owns <paramref name="output"/>
    /// and knows it was not saved.
    /// </exception>
    public WorkItemStatus Release(Lease lease, bool success, string? output = null, string? error = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using var connection = _store.OpenConnection();
        return ReleaseOn(connection, lease, success, output, error);
    }

    /// <summary>Asynchronous <see cref="Release"/>.</summary>
    public async Task<WorkItemStatus> ReleaseAsync(Lease lease, bool success, string? output = null, string? error = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return ReleaseOn(connection, lease, success, output, error);
        }
    }

    /// <summary>
    /// Whether this worker still holds <paramref name="lease"/> (same holder and epoch, not expired), read inside the
    /// caller's <paramref name="transaction"/> so that a write in the same transaction is conditional on it.
    /// </summary>
    /// <remarks>
    /// Use a write transaction (<see cref="SqliteConnection.BeginTransaction()"/> begins <c>IMMEDIATE</c>): it holds the
    /// write lock from this check to the commit, so no other worker can acquire the item in between.
    /// </remarks>
    public bool IsCurrent(Lease lease, SqliteConnection connection, SqliteTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        if (!string.Equals(lease.Holder, WorkerId, StringComparison.Ordinal))
        {
            return false;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = IsCurrentSql;
        AddHeld(command, lease, NowMilliseconds());
        return Execute(() => Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1, lease, "check the lease on");
    }

    /// <summary>Like <see cref="IsCurrent"/>, but throws when the lease is not held, saying why.</summary>
    /// <exception cref="LeaseLostException">This worker no longer holds the lease.</exception>
    public void EnsureCurrent(Lease lease, SqliteConnection connection, SqliteTransaction transaction)
    {
        if (!IsCurrent(lease, connection, transaction))
        {
            throw Lost(lease, WorkItemRows.Find(connection, transaction, lease.WorkItemId), NowMilliseconds(), "write under the lease on");
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> in one write transaction that first checks this worker still holds
    /// <paramref name="lease"/>; commits only if <paramref name="write"/> returns normally.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public void ExecuteFenced(Lease lease, Action<SqliteConnection, SqliteTransaction> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ExecuteFenced(lease, (connection, transaction) =>
        {
            write(connection, transaction);
            return true;
        });
    }

    /// <summary>Runs <paramref name="write"/> under the lease's fence and returns its result; see <see cref="ExecuteFenced(Lease, Action{SqliteConnection, SqliteTransaction})"/>.</summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public T ExecuteFenced<T>(Lease lease, Func<SqliteConnection, SqliteTransaction, T> write)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(write);
        using var connection = _store.OpenConnection();
        // BEGIN IMMEDIATE: the write lock is held from the fence check to the commit, so no acquisition can slip in between.
        using var transaction = connection.BeginTransaction();
        EnsureCurrent(lease, connection, transaction);
        var result = write(connection, transaction);
        transaction.Commit();
        return result;
    }

    /// <summary>Asynchronous <see cref="ExecuteFenced(Lease, Action{SqliteConnection, SqliteTransaction})"/>.</summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public Task ExecuteFencedAsync(Lease lease, Func<SqliteConnection, SqliteTransaction, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return ExecuteFencedAsync(
            lease,
            async (connection, transaction, ct) =>
            {
                await write(connection, transaction, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>Asynchronous <see cref="ExecuteFenced{T}(Lease, Func{SqliteConnection, SqliteTransaction, T})"/>.</summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public async Task<T> ExecuteFencedAsync<T>(Lease lease, Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(write);
        var connection = await _store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // BEGIN IMMEDIATE: the write lock is held from the fence check to the commit, so no acquisition can slip in between.
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var sqliteTransaction = (SqliteTransaction)transaction;
                EnsureCurrent(lease, connection, sqliteTransaction);
                var result = await write(connection, sqliteTransaction, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }
    }

    /// <summary>
    /// Starts renewing <paramref name="lease"/> in the background on a connection of its own. The first failed renewal
    /// cancels <see cref="LeaseHeartbeat.LeaseLost"/> at once; it is not retried.
    /// </summary>
    /// <param name="lease">A lease this worker holds.</param>
    /// <param name="interval">How often to renew; default <see cref="LeaseOptions.HeartbeatInterval"/>, else a third of the renewal duration.</param>
    /// <param name="renewalDuration">How long each renewal extends the lease; default <see cref="LeaseOptions.RenewalDuration"/>, else <see cref="Lease.Duration"/>.</param>
    /// <returns>The heartbeat; dispose it to stop renewing (disposing does not release the lease).</returns>
    public LeaseHeartbeat StartHeartbeat(Lease lease, TimeSpan? interval = null, TimeSpan? renewalDuration = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var duration = renewalDuration ?? _options.RenewalDuration ?? lease.Duration;
        ValidateDuration(duration, nameof(renewalDuration));
        var period = interval ?? _options.HeartbeatInterval ?? duration / 3;
        if (period <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), period, "The heartbeat interval must be positive.");
        }

        if (period >= duration)
        {
            throw new ArgumentOutOfRangeException(
                nameof(interval),
                period,
                $"A heartbeat every {period} cannot keep a lease renewed for {duration} alive; use an interval below the renewal duration.");
        }

        return new LeaseHeartbeat(this, lease, period, duration);
    }

    internal static void ValidateDuration(TimeSpan duration, string parameterName)
    {
        if (duration < TimeSpan.FromMilliseconds(1) || duration > MaximumDuration)
        {
            throw new ArgumentOutOfRangeException(parameterName, duration, $"A lease duration must be between 1 ms and {MaximumDuration.TotalDays:0} days.");
        }
    }

    internal Lease RenewOn(SqliteConnection connection, Lease lease, TimeSpan duration)
    {
        return Execute(
            () =>
            {
                using var transaction = connection.BeginTransaction();
                // Read the clock once the write lock is held: a renewal that waited for the lock past the expiry must fail.
                var now = NowMilliseconds();
                var expires = now + (long)duration.TotalMilliseconds;
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = RenewSql;
                AddHeld(command, lease, now);
                command.Parameters.AddWithValue("$expires", expires);
                if (command.ExecuteNonQuery() == 1)
                {
                    transaction.Commit();
                    return lease with { ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expires) };
                }

                throw Lost(lease, WorkItemRows.Find(connection, transaction, lease.WorkItemId), now, "renew the lease on");
            },
            lease,
            "renew the lease on");
    }

    private WorkItemStatus ReleaseOn(SqliteConnection connection, Lease lease, bool success, string? output, string? error)
    {
        return Execute(
            () =>
            {
                using var transaction = connection.BeginTransaction();
                // Read the clock once the write lock is held: a release that waited for the lock past the expiry must fail.
                var now = NowMilliseconds();
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = ReleaseSql;
                AddHeld(command, lease, now);
                command.Parameters.AddWithValue("$success", success);
                command.Parameters.AddWithValue("$output", (object?)output ?? DBNull.Value);
                command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
                var status = command.ExecuteScalar() as string;
                if (status is not null)
                {
                    transaction.Commit();
                    return WorkItemStatusNames.Parse(status);
                }

                throw Lost(lease, WorkItemRows.Find(connection, transaction, lease.WorkItemId), now, "release the lease on");
            },
            lease,
            "release the lease on");
    }

    private Lease? AcquireCore(SqliteConnection connection, string? workItemId, string? kind, TimeSpan duration)
    {
        var now = NowMilliseconds();
        var expires = now + (long)duration.TotalMilliseconds;
        try
        {
            // One statement: SQLite takes the write lock before reading, so the claim conditions and the update are atomic.
            using var command = connection.CreateCommand();
            command.CommandText = workItemId is null ? AcquireNextSql : AcquireSql;
            command.Parameters.AddWithValue("$holder", WorkerId);
            command.Parameters.AddWithValue("$now", now);
            command.Parameters.AddWithValue("$expires", expires);
            if (workItemId is null)
            {
                command.Parameters.AddWithValue("$kind", kind);
            }
            else
            {
                command.Parameters.AddWithValue("$id", workItemId);
            }

            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            return new Lease
            {
                WorkItemId = reader.GetString(0),
                Holder = WorkerId,
                Epoch = reader.GetInt64(1),
                AcquiredAt = DateTimeOffset.FromUnixTimeMilliseconds(now),
                ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expires),
                Duration = duration,
                Attempt = reader.GetInt32(2),
                MaxAttempts = reader.GetInt32(3),
                Kind = reader.GetString(4),
                TaskId = reader.IsDBNull(5) ? null : reader.GetString(5),
                Payload = reader.IsDBNull(6) ? null : reader.GetString(6),
            };
        }
        catch (SqliteException ex)
        {
            throw _store.Failure(ex, workItemId is null ? $"acquire the next work item of kind '{kind}'" : $"acquire a lease on work item '{workItemId}'");
        }
    }

    private T Execute<T>(Func<T> action, Lease lease, string doing)
    {
        try
        {
            return action();
        }
        catch (SqliteException ex)
        {
            throw _store.Failure(ex, $"{doing} work item '{lease.WorkItemId}'");
        }
    }

    private void AddHeld(SqliteCommand command, Lease lease, long now)
    {
        command.Parameters.AddWithValue("$id", lease.WorkItemId);
        // The manager's own worker id, not the one written in the lease: a worker cannot act under another's lease.
        command.Parameters.AddWithValue("$holder", WorkerId);
        command.Parameters.AddWithValue("$epoch", lease.Epoch);
        command.Parameters.AddWithValue("$now", now);
    }

    private long NowMilliseconds() => TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private LeaseLostException LostCore(Lease lease, WorkItem? current, long now, string doing)
    {
        var (reason, detail) = Diagnose(lease, current, now);
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"Cannot {doing} work item '{lease.WorkItemId}': worker '{WorkerId}' does not hold lease epoch {lease.Epoch} ({reason}: {detail}); nothing was written (database '{_store.DatabasePath}').");
        return new LeaseLostException(lease, reason, message, current);
    }

    private (LeaseLostReason Reason, string Detail) Diagnose(Lease lease, WorkItem? current, long now)
    {
        if (!string.Equals(lease.Holder, WorkerId, StringComparison.Ordinal))
        {
            return (LeaseLostReason.NotHolder, $"the lease belongs to worker '{lease.Holder}'");
        }

        if (current is null)
        {
            return (LeaseLostReason.NotFound, "the work item no longer exists");
        }

        if (current.LeaseEpoch != lease.Epoch)
        {
            var holder = current.LeaseHolder is null ? string.Empty : $", held by '{current.LeaseHolder}'";
            return (LeaseLostReason.Superseded, string.Create(CultureInfo.InvariantCulture, $"the item was acquired again since (epoch {current.LeaseEpoch}{holder}, status {current.Status})"));
        }

        if (current.Status != WorkItemStatus.Leased)
        {
            return (LeaseLostReason.NotLeased, $"the item is {current.Status} now (released, or recovered after the lease expired)");
        }

        if (current.LeaseExpiresAt is { } expires && expires.ToUnixTimeMilliseconds() <= now)
        {
            return (LeaseLostReason.Expired, string.Create(CultureInfo.InvariantCulture, $"the lease expired at {expires:O}"));
        }

        return (LeaseLostReason.NotHolder, $"the item is leased by '{current.LeaseHolder}'");
    }
}
