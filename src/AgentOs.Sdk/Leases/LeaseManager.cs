using System.Globalization;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Providers;

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
/// Every operation is one unit of work of the store (one write transaction, "now" read once inside it); the
/// <c>…Async</c> methods are asynchronous where the store's driver is. The manager is thread-safe.
/// </para>
/// </remarks>
public sealed partial class LeaseManager
{
    /// <summary>The longest lease a single acquisition or renewal may ask for.</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromDays(365);

    // The times come back from the row: on a server store the statement itself read "now" (see StoreTransaction.SetNow).
    private const string AcquiredColumns = "work_item_id, lease_epoch, attempts, max_attempts, kind, task_id, payload, lease_acquired_at_ms, lease_expires_at_ms";

    // The claim conditions shared by both acquisitions: a pending item, or a lease that has expired by the caller's clock,
    // with an attempt left. Checked in the UPDATE itself, so two workers can never both win.
    private const string Claimable = """
        (status = 'pending' OR (status = 'leased' AND lease_expires_at_ms <= @now)) AND attempts < max_attempts
        """;

    private const string TakeLease = """
        UPDATE work_items
        SET status = 'leased', lease_holder = @holder, lease_epoch = lease_epoch + 1, lease_acquired_at_ms = @now,
            lease_expires_at_ms = @now + @duration_ms, heartbeat_at_ms = @now, attempts = attempts + 1, updated_at_ms = @now
        """;

    private const string AcquireSql = $"""
        {TakeLease}
        WHERE work_item_id = @id AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    // Oldest pending item first (it waited longest); otherwise the lease that expired longest ago. Each branch is one
    // seek on its partial index. On a server store the claim marker locks the candidate and skips rows other hosts are
    // claiming, so N hosts at once each get a different item instead of all racing for the first.
    private const string AcquireNextSql = $"""
        {TakeLease}
        WHERE work_item_id = (
            SELECT work_item_id FROM (
                SELECT 0 AS rank, work_item_id FROM (
                    SELECT work_item_id FROM work_items
                    WHERE status = 'pending' AND kind = @kind AND attempts < max_attempts
                    ORDER BY created_at_ms LIMIT 1 {StoreDialect.ClaimRows}) AS pending
                UNION ALL
                SELECT 1 AS rank, work_item_id FROM (
                    SELECT work_item_id FROM work_items
                    WHERE status = 'leased' AND lease_expires_at_ms <= @now AND kind = @kind AND attempts < max_attempts
                    ORDER BY lease_expires_at_ms LIMIT 1 {StoreDialect.ClaimRows}) AS expired) AS candidates
            ORDER BY rank LIMIT 1)
          AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    private const string HeldNow = """
        work_item_id = @id AND status = 'leased' AND lease_holder = @holder AND lease_epoch = @epoch AND lease_expires_at_ms > @now
        """;

    private const string RenewSql = $"""
        UPDATE work_items SET lease_expires_at_ms = @now + @duration_ms, heartbeat_at_ms = @now, updated_at_ms = @now
        WHERE {HeldNow}
        RETURNING lease_expires_at_ms
        """;

    // Success finishes the item; a failure re-queues it while attempts remain, and fails it for good on the last one.
    private const string ReleaseSql = $"""
        UPDATE work_items
        SET status = CASE WHEN @success THEN 'succeeded' WHEN attempts < max_attempts THEN 'pending' ELSE 'failed' END,
            output = @output, error = @error, lease_holder = NULL, lease_expires_at_ms = NULL,
            completed_at_ms = CASE WHEN @success OR attempts >= max_attempts THEN @now END, updated_at_ms = @now
        WHERE {HeldNow}
        RETURNING status
        """;

    // Where writers run side by side (PostgreSQL), a write that judges whether a lease is still held first locks the row,
    // in the same round trip: the UPDATE after it reads "now" when it begins, once any wait for that lock is over, so a
    // renewal or release that waited past the expiry sees the lease expired. (SQLite's write transaction holds the whole
    // database before "now" is read.) The lock's own result, one row or none, is skipped.
    private const string LockItem = $"SELECT 1 FROM work_items WHERE work_item_id = @id {StoreDialect.LockRows};\n";

    private const string LockThenRenewSql = LockItem + RenewSql;

    private const string LockThenReleaseSql = LockItem + ReleaseSql;

    // The fence: on a server store the row stays share-locked until the transaction ends, so a takeover (an UPDATE) waits
    // for the fenced write to commit and then sees the new row; SQLite's write transaction already excludes every writer.
    // It returns the "now" it judged by: in ExecuteFenced on a server, the fence reads the server's clock itself, after the
    // share lock taken by the statement before it, and that time becomes the unit of work's "now".
    private const string IsCurrentSql = $"SELECT @now FROM work_items WHERE {HeldNow} {StoreDialect.ShareRows}";

    private const string LockThenIsCurrentSql = $"SELECT 1 FROM work_items WHERE work_item_id = @id {StoreDialect.ShareRows};\n" + IsCurrentSql;

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
        using var activity = AgentOsTelemetry.StartLeaseAcquire(workItemId, kind: null, WorkerId);
        return Acquired(activity, _store.WriteBatch($"acquire a lease on work item '{workItemId}'", TimeProvider, tx => AcquireAsync(tx, workItemId, kind: null, duration)));
    }

    /// <summary>Asynchronous <see cref="TryAcquire"/>.</summary>
    public async Task<Lease?> TryAcquireAsync(string workItemId, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workItemId);
        ValidateDuration(duration, nameof(duration));
        using var activity = AgentOsTelemetry.StartLeaseAcquire(workItemId, kind: null, WorkerId);
        return Acquired(activity, await _store.WriteBatchAsync($"acquire a lease on work item '{workItemId}'", TimeProvider, tx => AcquireAsync(tx, workItemId, kind: null, duration), cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Leases the next item of <paramref name="kind"/>: the oldest pending one, or else the one whose lease expired longest ago.
    /// </summary>
    /// <returns>The lease, or null when no item of that kind can be acquired now.</returns>
    public Lease? TryAcquireNext(string kind, TimeSpan duration)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ValidateDuration(duration, nameof(duration));
        using var activity = AgentOsTelemetry.StartLeaseAcquire(workItemId: null, kind, WorkerId);
        return Acquired(activity, _store.WriteBatch($"acquire the next work item of kind '{kind}'", TimeProvider, tx => AcquireAsync(tx, workItemId: null, kind, duration)));
    }

    /// <summary>Asynchronous <see cref="TryAcquireNext"/>.</summary>
    public async Task<Lease?> TryAcquireNextAsync(string kind, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ValidateDuration(duration, nameof(duration));
        using var activity = AgentOsTelemetry.StartLeaseAcquire(workItemId: null, kind, WorkerId);
        return Acquired(activity, await _store.WriteBatchAsync($"acquire the next work item of kind '{kind}'", TimeProvider, tx => AcquireAsync(tx, workItemId: null, kind, duration), cancellationToken: cancellationToken).ConfigureAwait(false));
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
        return ReportingLoss(() => _store.WriteBatch(Doing("renew the lease on", lease), TimeProvider, tx => RenewAsync(tx, lease, duration)));
    }

    /// <summary>Asynchronous <see cref="Renew"/>.</summary>
    public async Task<Lease> RenewAsync(Lease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ValidateDuration(duration, nameof(duration));
        return await ReportingLossAsync(_store.WriteBatchAsync(Doing("renew the lease on", lease), TimeProvider, tx => RenewAsync(tx, lease, duration), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases a lease this worker holds: on success the item is finished; on failure it is re-queued while it has
    /// attempts left, and failed for good after the last one.
    /// </summary>
    /// <returns>The item's status after the release.</returns>
    /// <exception cref="LeaseLostException">The lease is no longer held; nothing was written.</exception>
    public WorkItemStatus Release(Lease lease, bool success, string? output = null, string? error = null)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return ReportingLoss(() => _store.WriteBatch(Doing("release the lease on", lease), TimeProvider, tx => ReleaseAsync(tx, lease, success, output, error)));
    }

    /// <summary>Asynchronous <see cref="Release"/>.</summary>
    public async Task<WorkItemStatus> ReleaseAsync(Lease lease, bool success, string? output = null, string? error = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await ReportingLossAsync(_store.WriteBatchAsync(Doing("release the lease on", lease), TimeProvider, tx => ReleaseAsync(tx, lease, success, output, error), cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether this worker still holds <paramref name="lease"/> (same holder and epoch, not expired at the transaction's
    /// "now"), read inside <paramref name="transaction"/> so that a write in the same transaction is conditional on it.
    /// </summary>
    /// <remarks>
    /// Use a write transaction (<see cref="ExecuteFenced(Lease, Action{StoreTransaction})"/> gives one): it holds the write
    /// lock (SQLite) or the row lock (PostgreSQL) from this check to the commit, so no other worker can acquire the item in between.
    /// </remarks>
    public bool IsCurrent(Lease lease, StoreTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(transaction);
        return Synchronously(CheckCurrentAsync(transaction, lease));
    }

    /// <summary>Like <see cref="IsCurrent"/>, but throws when the lease is not held, saying why.</summary>
    /// <exception cref="LeaseLostException">This worker no longer holds the lease.</exception>
    public void EnsureCurrent(Lease lease, StoreTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            Synchronously(RequireCurrentAsync(transaction, lease));
        }
        catch (LeaseLostException lost)
        {
            // The caller's own transaction: the loss is reported here, inside it, because nothing else will.
            ReportLost(lost);
            throw;
        }
    }

    /// <summary>
    /// Asynchronous <see cref="IsCurrent"/>, for a transaction of <see cref="AgentOsStore.ExecuteWriteAsync{T}"/>: on
    /// PostgreSQL it waits for the lease's row without holding a thread. It is cancelled by the transaction's own token.
    /// </summary>
    public async Task<bool> IsCurrentAsync(Lease lease, StoreTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(transaction);
        return await CheckCurrentAsync(transaction, lease).ConfigureAwait(false);
    }

    /// <summary>Asynchronous <see cref="EnsureCurrent"/>; see <see cref="IsCurrentAsync"/>.</summary>
    /// <exception cref="LeaseLostException">This worker no longer holds the lease.</exception>
    public async Task EnsureCurrentAsync(Lease lease, StoreTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            await RequireCurrentAsync(transaction, lease).ConfigureAwait(false);
        }
        catch (LeaseLostException lost)
        {
            // The caller's own transaction: the loss is reported here, inside it, because nothing else will.
            ReportLost(lost);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> in one write transaction that first checks this worker still holds
    /// <paramref name="lease"/>; commits only if <paramref name="write"/> returns normally. Commands made with
    /// <see cref="StoreTransaction.CreateCommand"/> are enlisted in that transaction.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public void ExecuteFenced(Lease lease, Action<StoreTransaction> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ExecuteFenced(lease, transaction =>
        {
            write(transaction);
            return true;
        });
    }

    /// <summary>Runs <paramref name="write"/> under the lease's fence and returns its result; see <see cref="ExecuteFenced(Lease, Action{StoreTransaction})"/>.</summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public T ExecuteFenced<T>(Lease lease, Func<StoreTransaction, T> write)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(write);
        return ReportingLoss(() => _store.Write(Doing("write under the lease on", lease), TimeProvider, statementClock: true, async tx =>
        {
            await RequireCurrentAsync(tx, lease).ConfigureAwait(false);
            return write(tx);
        }));
    }

    /// <summary>Asynchronous <see cref="ExecuteFenced(Lease, Action{StoreTransaction})"/>.</summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public Task ExecuteFencedAsync(Lease lease, Func<StoreTransaction, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return ExecuteFencedAsync(
            lease,
            async (transaction, ct) =>
            {
                await write(transaction, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>Asynchronous <see cref="ExecuteFenced{T}(Lease, Func{StoreTransaction, T})"/>.</summary>
    /// <exception cref="LeaseLostException">The lease is lost; <paramref name="write"/> was not called and nothing was written.</exception>
    public async Task<T> ExecuteFencedAsync<T>(Lease lease, Func<StoreTransaction, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(write);
        return await ReportingLossAsync(_store.WriteAsync(
            Doing("write under the lease on", lease),
            TimeProvider,
            statementClock: true,
            async tx =>
            {
                await RequireCurrentAsync(tx, lease).ConfigureAwait(false);
                return await write(tx, tx.CancellationToken).ConfigureAwait(false);
            },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts renewing <paramref name="lease"/> in the background. The first failed renewal cancels
    /// <see cref="LeaseHeartbeat.LeaseLost"/> at once; it is not retried.
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

    private static T Synchronously<T>(ValueTask<T> pending) => AgentOsStore.Synchronously(pending);

    private static void Synchronously(ValueTask pending)
    {
        if (pending.IsCompleted)
        {
            pending.GetAwaiter().GetResult();
        }
        else
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    private static string Doing(string what, Lease lease) => $"{what} work item '{lease.WorkItemId}'";

    private async ValueTask<bool> CheckCurrentAsync(StoreTransaction tx, Lease lease)
    {
        if (!string.Equals(lease.Holder, WorkerId, StringComparison.Ordinal))
        {
            return false;
        }

        // On a server clock the fence reads it after its own row lock, even inside a transaction the caller began earlier
        // (whose "now" was read before whatever it waited for).
        var command = tx.ClockedCommand(RowLocks(tx) ? LockThenIsCurrentSql : IsCurrentSql, out var bindNow);
        SetHolder(command, lease);
        if (bindNow)
        {
            // The caller's clock (SQLite, or a server store that opted out of the server's): this manager's clock rule.
            command.SetParameter("@now", await tx.NowByAsync(TimeProvider).ConfigureAwait(false));
        }

        try
        {
            if (await HeldRowScalarAsync(tx, command).ConfigureAwait(false) is not { } judgedAt || judgedAt is DBNull)
            {
                return false;
            }

            // The server's clock, read by the fence after its lock: the unit's "now" from here on (ExecuteFenced's work sees it).
            tx.Observe(Convert.ToInt64(judgedAt, CultureInfo.InvariantCulture));
            return true;
        }
        catch (System.Data.Common.DbException ex)
        {
            throw _store.Failure(ex, Doing("check the lease on", lease));
        }
    }

    private async ValueTask RequireCurrentAsync(StoreTransaction tx, Lease lease)
    {
        if (!await CheckCurrentAsync(tx, lease).ConfigureAwait(false))
        {
            // Diagnosed by the clock the fence judged by: on a server clock, read after the fence's lock (not the unit's
            // "now", which a caller's own transaction read before it waited).
            var provider = tx.Store.Provider;
            var now = provider.ClockInStatements
                ? await provider.ReadClockAsync(tx.Connection, tx.Transaction, TimeProvider, tx.IsAsync, tx.CancellationToken).ConfigureAwait(false)
                : await tx.NowByAsync(TimeProvider).ConfigureAwait(false);
            throw LostCore(lease, await WorkItemRows.FindAsync(tx, lease.WorkItemId).ConfigureAwait(false), now, "write under the lease on");
        }
    }

    private async ValueTask<Lease> RenewAsync(StoreTransaction tx, Lease lease, TimeSpan duration)
    {
        // "Now" is read once the row (SQLite: the database) is held: a renewal that waited for it past the expiry fails.
        var command = tx.Command(RowLocks(tx) ? LockThenRenewSql : RenewSql);
        SetHeld(tx, command, lease);
        command.SetParameter("@duration_ms", (long)duration.TotalMilliseconds);
        if (await HeldRowScalarAsync(tx, command).ConfigureAwait(false) is { } expires and not DBNull)
        {
            return lease with { ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(expires, CultureInfo.InvariantCulture)) };
        }

        throw await LostAsync(tx, lease, "renew the lease on").ConfigureAwait(false);
    }

    private async ValueTask<WorkItemStatus> ReleaseAsync(StoreTransaction tx, Lease lease, bool success, string? output, string? error)
    {
        var command = tx.Command(RowLocks(tx) ? LockThenReleaseSql : ReleaseSql);
        SetHeld(tx, command, lease);
        command.SetParameter("@success", success);
        command.SetParameter("@output", output);
        command.SetParameter("@error", error);
        if (await HeldRowScalarAsync(tx, command).ConfigureAwait(false) is string status)
        {
            return WorkItemStatusNames.Parse(status);
        }

        throw await LostAsync(tx, lease, "release the lease on").ConfigureAwait(false);
    }

    /// <summary>Whether writers run side by side on this store, so that a lease write locks its row first (see <see cref="LockItem"/>).</summary>
    private static bool RowLocks(StoreTransaction tx) => !tx.Store.Provider.SingleWriter;

    /// <summary>The first column of the lease write's returned row (past the row lock's result where there is one), or null when it changed nothing.</summary>
    private static async ValueTask<object?> HeldRowScalarAsync(StoreTransaction tx, System.Data.Common.DbCommand command)
    {
        if (!RowLocks(tx))
        {
            return await tx.ScalarAsync(command).ConfigureAwait(false);
        }

        var reader = await tx.LastResultAsync(command, leadingResults: 1).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await tx.ReadAsync(reader).ConfigureAwait(false) ? reader.GetValue(0) : null;
        }
    }

    /// <summary>Why a lease write changed nothing, judged by the unit of work's "now" (read from the server here when the statement read its own).</summary>
    private async ValueTask<LeaseLostException> LostAsync(StoreTransaction tx, Lease lease, string doing)
    {
        var current = await WorkItemRows.FindAsync(tx, lease.WorkItemId).ConfigureAwait(false);
        return LostCore(lease, current, await tx.NowAsync().ConfigureAwait(false), doing);
    }

    private async ValueTask<Lease?> AcquireAsync(StoreTransaction tx, string? workItemId, string? kind, TimeSpan duration)
    {
        // One statement: the claim conditions and the update are atomic under the write lock (SQLite) or row lock (PostgreSQL).
        // Judging "expired" by a "now" read before a wait for the row can only be early, which is the safe side.
        var command = tx.Command(workItemId is null ? AcquireNextSql : AcquireSql);
        command.SetParameter("@holder", WorkerId);
        tx.SetNow(command);
        command.SetParameter("@duration_ms", (long)duration.TotalMilliseconds);
        if (workItemId is null)
        {
            command.SetParameter("@kind", kind);
        }
        else
        {
            command.SetParameter("@id", workItemId);
        }

        var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await tx.ReadAsync(reader).ConfigureAwait(false))
            {
                return null;
            }

            return new Lease
            {
                WorkItemId = reader.GetString(0),
                Holder = WorkerId,
                Epoch = reader.GetInt64(1),
                AcquiredAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                Duration = duration,
                Attempt = reader.GetInt32(2),
                MaxAttempts = reader.GetInt32(3),
                Kind = reader.GetString(4),
                TaskId = reader.IsDBNull(5) ? null : reader.GetString(5),
                Payload = reader.IsDBNull(6) ? null : reader.GetString(6),
            };
        }
    }

    private void SetHeld(System.Data.Common.DbCommand command, Lease lease, long now)
    {
        SetHolder(command, lease);
        command.SetParameter("@now", now);
    }

    private void SetHeld(StoreTransaction tx, System.Data.Common.DbCommand command, Lease lease)
    {
        SetHolder(command, lease);
        tx.SetNow(command);
    }

    private void SetHolder(System.Data.Common.DbCommand command, Lease lease)
    {
        command.SetParameter("@id", lease.WorkItemId);
        // The manager's own worker id, not the one written in the lease: a worker cannot act under another's lease.
        command.SetParameter("@holder", WorkerId);
        command.SetParameter("@epoch", lease.Epoch);
    }

    private LeaseLostException LostCore(Lease lease, WorkItem? current, long now, string doing)
    {
        var (reason, detail) = Diagnose(lease, current, now);
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"Cannot {doing} work item '{lease.WorkItemId}': worker '{WorkerId}' does not hold lease epoch {lease.Epoch} ({reason}: {detail}); nothing was written (database '{_store.Location}').");
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
