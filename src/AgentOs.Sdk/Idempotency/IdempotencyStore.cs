using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Providers;


namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// Runs operations at most once per <see cref="IdempotencyKey"/> across threads and processes sharing one store, and
/// replays their recorded outcomes.
/// </summary>
/// <remarks>
/// <para>
/// A key is claimed atomically (a write transaction that reads the key and inserts or updates it under the write lock),
/// so exactly one of many concurrent callers runs the operation. The claim is visible: its row is <c>pending</c> and
/// names the owner and the claim's expiry, and the other callers wait for the outcome (in-process callers are woken at
/// once; others poll every <see cref="IdempotencyOptions.PollInterval"/> by the <see cref="TimeProvider"/>, for at most
/// <see cref="IdempotencyOptions.WaitTimeout"/>).
/// </para>
/// <para>
/// An owner that crashes leaves its claim pending until the claim expires; the key is then in doubt, and the next caller
/// takes it over and is told (<see cref="IdempotentResult.PreviousAttemptInDoubt"/>). Each claim has an epoch, and an
/// outcome is recorded only under the claim that is current, so a slow owner that lost its claim cannot overwrite the
/// outcome of the one that took over.
/// </para>
/// <para>
/// Outcomes are stored whole. Failures are recorded as failed and run again by the next caller, unless it asks to replay
/// them. Outcomes expire after their time to live, and the next caller runs the operation again and records a fresh one.
/// Replays are plain reads on pooled connections; their counts are written to <c>hit_count</c> in batches.
/// </para>
/// <para>Thread-safe. Dispose it (or <c>await using</c> it) to write pending hit counts.</para>
/// </remarks>
public sealed class IdempotencyStore : IDisposable, IAsyncDisposable
{
    private const string Columns = """
        idempotency_key, kind, status, owner, claimed_at_ms, claim_expires_at_ms, claim_epoch, description, result,
        exit_code, error, hit_count, created_at_ms, updated_at_ms, completed_at_ms, expires_at_ms
        """;

    private const string LookupSql = $"SELECT {Columns} FROM idempotency_keys WHERE idempotency_key = @key";

    // Inside the claim's write transaction: on a server store the row stays locked until the claim commits, so two hosts
    // that both read a failed or in-doubt key cannot both take it over (SQLite's write transaction excludes them already).
    private const string LookupLockedSql = $"{LookupSql} {StoreDialect.LockRows}";

    // The replay fast path reads only what a replay returns and what decides whether it may be replayed.
    private const string ReplaySql = "SELECT status, expires_at_ms, result, exit_code, error FROM idempotency_keys WHERE idempotency_key = @key";

    private const string InsertClaimSql = """
        INSERT INTO idempotency_keys
            (idempotency_key, kind, status, owner, claimed_at_ms, claim_expires_at_ms, claim_epoch, description, created_at_ms, updated_at_ms)
        VALUES (@key, @kind, 'pending', @owner, @now, @claim_expires, 1, @description, @now, @now)
        ON CONFLICT (idempotency_key) DO NOTHING
        """;

    private const string TakeClaimSql = """
        UPDATE idempotency_keys
        SET status = 'pending', owner = @owner, claimed_at_ms = @now, claim_expires_at_ms = @claim_expires,
            claim_epoch = claim_epoch + 1, description = coalesce(@description, description),
            result = NULL, exit_code = NULL, error = NULL, completed_at_ms = NULL, expires_at_ms = NULL, updated_at_ms = @now
        WHERE idempotency_key = @key
        RETURNING claim_epoch
        """;

    // Accepted only from the claim that is current: same owner, same epoch, not yet completed.
    private const string CompleteSql = """
        UPDATE idempotency_keys
        SET status = @status, result = @result, exit_code = @exit_code, error = @error, claim_expires_at_ms = NULL,
            completed_at_ms = @now, updated_at_ms = @now, expires_at_ms = @expires
        WHERE idempotency_key = @key AND owner = @owner AND claim_epoch = @epoch AND status IN ('pending', 'in_doubt')
        """;

    private const string MarkInDoubtSql =
        "UPDATE idempotency_keys SET status = 'in_doubt', updated_at_ms = @now WHERE status = 'pending' AND claim_expires_at_ms <= @now";

    private const string PurgeSql = "DELETE FROM idempotency_keys WHERE status IN ('succeeded', 'failed') AND expires_at_ms <= @now";

    private const string AddHitsSql = "UPDATE idempotency_keys SET hit_count = hit_count + @hits WHERE idempotency_key = @key";

    private readonly AgentOsStore _store;
    private readonly IdempotencyOptions _options;
    // Operations this instance is running, by key: in-process waiters are woken when they finish.
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _pendingHits = new(StringComparer.Ordinal);
    // Never disposed: a flush still running when the instance is disposed must be able to release it.
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private long _completions;
    private long _lastFlush;
    private int _autoFlushing;
    private volatile bool _disposed;

    /// <summary>Creates an idempotency store for one owner.</summary>
    /// <param name="store">The store that holds the <c>idempotency_keys</c> table.</param>
    /// <param name="owner">The name recorded on this instance's claims (for example a worker id with its process id); unique among live callers.</param>
    /// <param name="timeProvider">The clock for claims, expiry and polling; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="options">Claim, wait and expiry settings; copied, so later changes to the instance have no effect.</param>
    public IdempotencyStore(AgentOsStore store, string owner, TimeProvider? timeProvider = null, IdempotencyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        var copy = (options ?? new IdempotencyOptions()).Clone();
        copy.Validate();
        _store = store;
        _options = copy;
        Owner = owner;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _lastFlush = TimeProvider.GetTimestamp();
    }

    /// <summary>The owner recorded on this instance's claims.</summary>
    public string Owner { get; }

    /// <summary>The clock the store uses.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The underlying store.</summary>
    public AgentOsStore Store => _store;

    /// <summary>
    /// Runs <paramref name="execute"/> under <paramref name="key"/> unless a valid outcome is recorded, in which case it is
    /// replayed; while another caller runs it, waits for that caller's outcome.
    /// </summary>
    /// <returns>The outcome, whether it was replayed, and whether an earlier attempt is in doubt.</returns>
    /// <exception cref="TimeoutException">Another owner held the key for longer than <see cref="IdempotencyOptions.WaitTimeout"/>.</exception>
    /// <exception cref="IdempotencyClaimLostException">The operation ran, but its claim had expired and been taken over, so its outcome was not recorded.</exception>
    /// <remarks>
    /// An exception thrown by <paramref name="execute"/> is recorded as a failure (never replayed) and rethrown; the next
    /// caller runs the operation again.
    /// </remarks>
    public async Task<IdempotentResult> ExecuteAsync(
        IdempotencyKey key,
        Func<CancellationToken, Task<IdempotencyOutcome>> execute,
        IdempotencyExecuteOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(execute);
        var force = options?.ForceExecute ?? false;
        if (!force && await TryReplayAsync(key, options?.ReplayFailures ?? false, async: true, cancellationToken).ConfigureAwait(false) is { } replayed)
        {
            return new IdempotentResult { Key = key, Outcome = replayed, Replayed = true };
        }

        DateTimeOffset? deadline = null;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var completionsBefore = Interlocked.Read(ref _completions);
            var claim = await ClaimAsync(key, options, force, signalWaiters: true, async: true, cancellationToken).ConfigureAwait(false);
            switch (claim.Status)
            {
                case IdempotencyClaimStatus.Completed:
                    return new IdempotentResult { Key = key, Outcome = ToOutcome(claim.Record!), Replayed = true };

                case IdempotencyClaimStatus.Acquired:
                    return await RunAsync(claim.Claim!, execute, options, cancellationToken).ConfigureAwait(false);

                default:
                    var now = TimeProvider.GetUtcNow();
                    deadline ??= now + _options.WaitTimeout;
                    if (now >= deadline)
                    {
                        throw new TimeoutException(
                            $"Gave up after {_options.WaitTimeout} waiting for idempotency key '{key}': owner '{claim.Record!.Owner}' holds it until {claim.Record.ClaimExpiresAt:O} (database '{_store.Location}').");
                    }

                    await WaitForOwnerAsync(key.Value, completionsBefore, cancellationToken).ConfigureAwait(false);
                    // The outcome the other caller records is as fresh as a forced run would be: take it.
                    force = false;
                    break;
            }
        }
    }

    /// <summary>
    /// Claims <paramref name="key"/> for this owner if it has no valid outcome and no valid claim; never waits. The
    /// holder of an <see cref="IdempotencyClaimStatus.Acquired"/> claim runs the operation and calls <see cref="Complete"/>.
    /// </summary>
    public IdempotencyClaimResult TryClaim(IdempotencyKey key, IdempotencyExecuteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        return AgentOsStore.Synchronously(ClaimAsync(key, options, options?.ForceExecute ?? false, signalWaiters: false, async: false, CancellationToken.None));
    }

    /// <summary>Asynchronous <see cref="TryClaim"/>; truly asynchronous where the store's driver is (PostgreSQL).</summary>
    /// <remarks><paramref name="cancellationToken"/> cancels the lookup before the claim; the claim's write, once begun, runs to its end.</remarks>
    public Task<IdempotencyClaimResult> TryClaimAsync(IdempotencyKey key, IdempotencyExecuteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ClaimAsync(key, options, options?.ForceExecute ?? false, signalWaiters: false, async: true, cancellationToken).AsTask();
    }

    /// <summary>Records the outcome of a claim this owner holds.</summary>
    /// <param name="claim">The claim from <see cref="TryClaim"/>.</param>
    /// <param name="outcome">The outcome, stored whole. A failure is stored as failed.</param>
    /// <param name="timeToLive">How long the outcome is replayed; null uses <see cref="IdempotencyOptions.DefaultTimeToLive"/>; <see cref="Timeout.InfiniteTimeSpan"/> keeps it forever.</param>
    /// <returns>The key's row as recorded.</returns>
    /// <exception cref="IdempotencyClaimLostException">
    /// The claim was taken over by another owner after it expired; nothing was written. A claim that expired but was not
    /// taken over is still completed: nobody else can have run the operation under a later claim.
    /// </exception>
    public IdempotencyRecord Complete(IdempotencyClaim claim, IdempotencyOutcome outcome, TimeSpan? timeToLive = null) =>
        AgentOsStore.Synchronously(CompleteCoreAsync(claim, outcome, timeToLive, async: false, CancellationToken.None));

    /// <summary>Asynchronous <see cref="Complete"/>; truly asynchronous where the store's driver is (PostgreSQL).</summary>
    /// <param name="claim">The claim from <see cref="TryClaimAsync"/>.</param>
    /// <param name="outcome">The outcome, stored whole.</param>
    /// <param name="timeToLive">How long the outcome is replayed; see <see cref="Complete"/>.</param>
    /// <param name="cancellationToken">
    /// Cancels only before the write begins. Once it has begun the outcome is recorded whatever the token says: the
    /// operation has run, and an outcome abandoned halfway would leave the key claimed and later in doubt.
    /// </param>
    /// <exception cref="IdempotencyClaimLostException">The claim was taken over by another owner after it expired; nothing was written.</exception>
    /// <exception cref="IdempotencyOutcomeNotRecordedException">The store could not be written; the key stays claimed and is later in doubt.</exception>
    public Task<IdempotencyRecord> CompleteAsync(IdempotencyClaim claim, IdempotencyOutcome outcome, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return CompleteCoreAsync(claim, outcome, timeToLive, async: true, CancellationToken.None).AsTask();
    }

    private async ValueTask<IdempotencyRecord> CompleteCoreAsync(IdempotencyClaim claim, IdempotencyOutcome outcome, TimeSpan? timeToLive, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(outcome);
        if (timeToLive is { } ttl && ttl != Timeout.InfiniteTimeSpan)
        {
            IdempotencyOptions.Positive(ttl, nameof(timeToLive));
        }

        try
        {
            // One write transaction, retried by the store within its busy budget when the database is busy.
            return await WriteAsync($"record the outcome of idempotency key '{claim.Key}'", async, tx => RecordOutcomeAsync(tx, claim, outcome, timeToLive), cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException ex)
        {
            throw new IdempotencyOutcomeNotRecordedException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The operation under idempotency key '{claim.Key}' ran, but its outcome was not recorded: {ex.Message}. The key stays claimed by '{Owner}' (epoch {claim.Epoch}) until {claim.ExpiresAt:O} and is then in doubt."),
                claim,
                outcome,
                ex);
        }
    }

    private async ValueTask<IdempotencyRecord> RecordOutcomeAsync(StoreTransaction tx, IdempotencyClaim claim, IdempotencyOutcome outcome, TimeSpan? timeToLive)
    {
        var now = tx.UtcNowMilliseconds;
        var command = tx.Command(CompleteSql);
        command.SetParameter("@status", outcome.Succeeded ? IdempotencyStatusNames.Succeeded : IdempotencyStatusNames.Failed);
        command.SetParameter("@result", outcome.Result);
        command.SetParameter("@exit_code", outcome.ExitCode);
        command.SetParameter("@error", outcome.Error);
        command.SetParameter("@now", now);
        command.SetParameter("@expires", ExpiresAt(now, timeToLive));
        command.SetParameter("@key", claim.Key.Value);
        command.SetParameter("@owner", Owner);
        command.SetParameter("@epoch", claim.Epoch);
        var updated = await tx.ExecuteAsync(command).ConfigureAwait(false) == 1;
        var record = await ReadRecordAsync(tx, claim.Key.Value, now).ConfigureAwait(false);
        if (!updated)
        {
            throw new IdempotencyClaimLostException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Cannot record the outcome of idempotency key '{claim.Key}': owner '{Owner}' no longer holds claim epoch {claim.Epoch} (now {Describe(record)}); nothing was written (database '{_store.Location}')."),
                claim,
                outcome,
                record);
        }

        // The outcome and the end of the claim commit together; with synchronous=FULL a crash after this keeps both.
        return record!;
    }

    /// <summary>Reads a key's row, or null when the key was never claimed (or was purged).</summary>
    /// <remarks>A pending claim past its expiry is reported as <see cref="IdempotencyStatus.InDoubt"/>.</remarks>
    public IdempotencyRecord? Find(IdempotencyKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return AgentOsStore.Synchronously(FindCoreAsync(key, async: false, CancellationToken.None));
    }

    /// <summary>Asynchronous <see cref="Find"/>; truly asynchronous where the store's driver is (PostgreSQL).</summary>
    public Task<IdempotencyRecord?> FindAsync(IdempotencyKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return FindCoreAsync(key, async: true, cancellationToken).AsTask();
    }

    private ValueTask<IdempotencyRecord?> FindCoreAsync(IdempotencyKey key, bool async, CancellationToken cancellationToken) =>
        ReadAsync($"read idempotency key '{key}'", async, tx => ReadRecordAsync(tx, key.Value, tx.UtcNowMilliseconds), cancellationToken);

    /// <summary>Marks every pending claim past its expiry as in doubt, so that reports and other tools see it.</summary>
    /// <returns>How many claims were marked.</returns>
    /// <remarks>Not needed for correctness: callers treat an expired claim as in doubt whether it is marked or not.</remarks>
    public int MarkExpiredClaimsInDoubt() =>
        AgentOsStore.Synchronously(ExecuteWriteAsync(MarkInDoubtSql, "mark expired claims in doubt", async: false, CancellationToken.None));

    /// <summary>Asynchronous <see cref="MarkExpiredClaimsInDoubt"/>.</summary>
    /// <returns>How many claims were marked.</returns>
    public Task<int> MarkExpiredClaimsInDoubtAsync(CancellationToken cancellationToken = default) =>
        ExecuteWriteAsync(MarkInDoubtSql, "mark expired claims in doubt", async: true, cancellationToken).AsTask();

    /// <summary>Deletes recorded outcomes whose time to live has passed.</summary>
    /// <returns>How many keys were deleted.</returns>
    public int PurgeExpired() =>
        AgentOsStore.Synchronously(ExecuteWriteAsync(PurgeSql, "purge expired idempotency keys", async: false, CancellationToken.None));

    /// <summary>Asynchronous <see cref="PurgeExpired"/>.</summary>
    /// <returns>How many keys were deleted.</returns>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default) =>
        ExecuteWriteAsync(PurgeSql, "purge expired idempotency keys", async: true, cancellationToken).AsTask();

    /// <summary>Adds the replay counts kept in memory to the <c>hit_count</c> column, in one transaction.</summary>
    public void FlushHitCounts() => AgentOsStore.Synchronously(FlushHitCountsCoreAsync(async: false, CancellationToken.None));

    /// <summary>Asynchronous <see cref="FlushHitCounts"/>.</summary>
    public Task FlushHitCountsAsync(CancellationToken cancellationToken = default) =>
        FlushHitCountsCoreAsync(async: true, cancellationToken).AsTask();

    private async ValueTask<int> FlushHitCountsCoreAsync(bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _flushGate.Wait(cancellationToken);
        }

        try
        {
            _lastFlush = TimeProvider.GetTimestamp();
            // Taken out of memory before the transaction, so that a transaction the store runs again (busy, serialization)
            // writes the same counts again instead of losing the ones its first attempt had taken.
            var taken = new List<KeyValuePair<string, long>>();
            foreach (var pending in _pendingHits.Keys)
            {
                if (_pendingHits.TryRemove(pending, out var count))
                {
                    taken.Add(new(pending, count));
                }
            }

            if (taken.Count == 0)
            {
                return 0;
            }

            // Every host updates the rows in the same order: two flushes that lock the same keys in different orders would
            // deadlock on a server store (PostgreSQL breaks it after deadlock_timeout, a one-second stall, then retries).
            taken.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));

            try
            {
                return await WriteAsync("write idempotency hit counts", async, async tx =>
                {
                    var command = tx.Command(AddHitsSql);
                    foreach (var (pending, count) in taken)
                    {
                        command.SetParameter("@key", pending).SetParameter("@hits", count);
                        await tx.ExecuteAsync(command).ConfigureAwait(false);
                    }

                    return taken.Count;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StoreException { CommitOutcomeUnknown: false } or InvalidOperationException or OperationCanceledException)
            {
                // Not written: keep the counts for the next flush. (When the commit's outcome is unknown they are dropped:
                // a count lost is better than a count added twice.)
                foreach (var (pending, count) in taken)
                {
                    _pendingHits.AddOrUpdate(pending, count, (_, n) => n + count);
                }

                throw;
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    /// <summary>Writes pending hit counts; the store (and its connections) stays the caller's.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            FlushHitCounts();
        }
        catch (StoreException)
        {
            // Hit counts are statistics: losing the last interval's counts must not make disposal throw.
        }

        _disposed = true;
    }

    /// <summary>Writes pending hit counts asynchronously (truly so where the store's driver is); see <see cref="Dispose"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            await FlushHitCountsCoreAsync(async: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreException)
        {
            // Hit counts are statistics: losing the last interval's counts must not make disposal throw.
        }

        _disposed = true;
    }

    /// <summary>
    /// The replay fast path: one read on a pooled connection with a prepared statement, no write lock, no record built.
    /// Null when there is nothing to replay (no outcome, expired, a failure the caller does not replay, or a claim). With
    /// <paramref name="async"/> on a store without asynchronous I/O (SQLite) it completes synchronously, so that callers
    /// can answer a hit without an asynchronous state machine.
    /// </summary>
    internal async ValueTask<IdempotencyOutcome?> TryReplayAsync(IdempotencyKey key, bool replayFailures, bool async, CancellationToken cancellationToken)
    {
        var outcome = await ReadAsync($"read idempotency key '{key}'", async, tx => ReplayAsync(tx, key.Value, replayFailures), cancellationToken).ConfigureAwait(false);
        if (outcome is not null)
        {
            await RecordHitAsync(key.Value, async).ConfigureAwait(false);
        }

        return outcome;
    }

    internal static IdempotencyOutcome ToOutcome(IdempotencyRecord record) =>
        new(record.Status == IdempotencyStatus.Succeeded, record.Result, record.ExitCode, record.Error);

    private async Task<IdempotentResult> RunAsync(
        IdempotencyClaim claim,
        Func<CancellationToken, Task<IdempotencyOutcome>> execute,
        IdempotencyExecuteOptions? options,
        CancellationToken cancellationToken)
    {
        try
        {
            IdempotencyOutcome? outcome;
            try
            {
                outcome = await execute(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Recorded as failed so that the next caller runs it again; the caller gets the original exception.
                await RecordFailureQuietlyAsync(claim, $"{ex.GetType().FullName}: {ex.Message}").ConfigureAwait(false);
                throw;
            }

            if (outcome is null)
            {
                await RecordFailureQuietlyAsync(claim, "The operation returned no outcome.").ConfigureAwait(false);
                throw new InvalidOperationException($"The operation run under idempotency key '{claim.Key}' returned a null outcome.");
            }

            // Not cancellable: the operation has run, and an outcome left unrecorded would put the key in doubt.
            await CompleteCoreAsync(claim, outcome, options?.TimeToLive, async: true, CancellationToken.None).ConfigureAwait(false);
            return new IdempotentResult
            {
                Key = claim.Key,
                Outcome = outcome,
                Replayed = false,
                PreviousAttemptInDoubt = claim.PreviousAttemptInDoubt,
            };
        }
        finally
        {
            Interlocked.Increment(ref _completions);
            _running.TryGetValue(claim.Key.Value, out var signal);
            RetireSignal(claim.Key.Value, signal);
        }
    }

    /// <summary>Unregisters <paramref name="signal"/> if it is still the key's, and wakes the in-process callers waiting on it (they read the key again).</summary>
    private void RetireSignal(string key, TaskCompletionSource? signal)
    {
        if (signal is not null)
        {
            _running.TryRemove(new(key, signal));
            signal.TrySetResult();
        }
    }

    private async ValueTask RecordFailureQuietlyAsync(IdempotencyClaim claim, string error)
    {
        try
        {
            await CompleteCoreAsync(claim, IdempotencyOutcome.Failure(error), timeToLive: null, async: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StoreException or IdempotencyClaimLostException or IdempotencyOutcomeNotRecordedException)
        {
            // The claim stays pending until it expires and then becomes in doubt; the original failure is what the caller needs.
        }
    }

    private async Task WaitForOwnerAsync(string key, long completionsBefore, CancellationToken cancellationToken)
    {
        _running.TryGetValue(key, out var local);
        if (local is null && Interlocked.Read(ref _completions) != completionsBefore)
        {
            // An operation of this instance finished after we looked: look again at once.
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = Task.Delay(_options.PollInterval, TimeProvider, stop.Token);
        if (local is null)
        {
            await poll.ConfigureAwait(false);
            return;
        }

        await Task.WhenAny(local.Task, poll).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async ValueTask<IdempotencyClaimResult> ClaimAsync(IdempotencyKey key, IdempotencyExecuteOptions? options, bool force, bool signalWaiters, bool async, CancellationToken cancellationToken)
    {
        var replayFailures = options?.ReplayFailures ?? false;
        // Fast path: a plain read answers a replay, or a valid claim held by someone else, without the write lock.
        var seen = await ReadAsync(
            $"claim idempotency key '{key}'",
            async,
            async tx => (await ReadRecordAsync(tx, key.Value, tx.UtcNowMilliseconds).ConfigureAwait(false), tx.UtcNowMilliseconds),
            cancellationToken).ConfigureAwait(false);
        if (seen.Item1 is { } record && !force && IsReplayable(record, seen.Item2, replayFailures))
        {
            await RecordHitAsync(key.Value, async).ConfigureAwait(false);
            return new IdempotencyClaimResult { Status = IdempotencyClaimStatus.Completed, Record = record };
        }

        if (seen.Item1 is { Status: IdempotencyStatus.Pending })
        {
            return new IdempotencyClaimResult { Status = IdempotencyClaimStatus.HeldByOther, Record = seen.Item1 };
        }

        TaskCompletionSource? signal = null;
        IdempotencyClaimResult result;
        try
        {
            // Not cancellable once begun: a claim cancelled during its commit may have committed, and would hold the key
            // from every other caller until it expired. The wait for the write is bounded by the store's busy timeout.
            // A signal registered by an attempt the store rolled back and ran again is retired when the next one registers.
            result = await WriteAsync(
                $"claim idempotency key '{key}'",
                async,
                tx => ClaimLockedAsync(tx, key, options, force, replayFailures, signalWaiters, s =>
                {
                    RetireSignal(key.Value, signal);
                    signal = s;
                }),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            RetireSignal(key.Value, signal);
            throw;
        }

        if (result.Status != IdempotencyClaimStatus.Acquired)
        {
            // An attempt that registered a signal was rolled back, and the attempt that committed did not claim the key.
            RetireSignal(key.Value, signal);
        }

        if (result.Status == IdempotencyClaimStatus.Completed)
        {
            // Counted after the claim's transaction has ended: a flush is a write of its own, and must never wait for
            // the write lock this claim held (issue 14).
            await RecordHitAsync(key.Value, async).ConfigureAwait(false);
        }
        else if (result.Claim is { PreviousAttemptInDoubt: true } taken)
        {
            // Logged after the commit too: a logger may block, and nothing that may block runs under the write lock.
            Diagnostics.AgentOsLog.ClaimInDoubtIf(_store.Logger, true, key.Value, taken.PreviousOwner, Owner, taken.Epoch);
        }

        return result;
    }

    private async ValueTask<IdempotencyClaimResult> ClaimLockedAsync(
        StoreTransaction tx,
        IdempotencyKey key,
        IdempotencyExecuteOptions? options,
        bool force,
        bool replayFailures,
        bool signalWaiters,
        Action<TaskCompletionSource> registered)
    {
        // Inside the write transaction: the read and the claim happen under the write lock (SQLite) or the row lock (a
        // server store), so exactly one caller wins the key.
        var now = tx.UtcNowMilliseconds;
        var existing = await ReadRecordAsync(tx, key.Value, now, LookupLockedSql).ConfigureAwait(false);
        while (existing is null && !await TryInsertClaimAsync(tx, key, options, now).ConfigureAwait(false))
        {
            // Another host inserted the key between our read and our insert (only a server store lets that happen): the
            // insert waited for it to commit, so reading again sees its row, locked for us.
            existing = await ReadRecordAsync(tx, key.Value, now, LookupLockedSql).ConfigureAwait(false);
        }

        if (existing is { Status: IdempotencyStatus.Pending })
        {
            return new IdempotencyClaimResult { Status = IdempotencyClaimStatus.HeldByOther, Record = existing };
        }

        if (existing is not null && !force && IsReplayable(existing, now, replayFailures))
        {
            return new IdempotencyClaimResult { Status = IdempotencyClaimStatus.Completed, Record = existing };
        }

        var claimExpires = ClaimExpires(now);
        long epoch = 1;
        if (existing is not null)
        {
            // Failed and not replayed, expired, forced, or in doubt: a new claim, one epoch later.
            var command = SetClaim(tx.Command(TakeClaimSql), key, options, now);
            epoch = Convert.ToInt64(await tx.ScalarAsync(command).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        var inDoubt = existing is { Status: IdempotencyStatus.InDoubt };
        var claim = new IdempotencyClaim
        {
            Key = key,
            Owner = Owner,
            Epoch = epoch,
            ClaimedAt = DateTimeOffset.FromUnixTimeMilliseconds(now),
            ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(claimExpires),
            PreviousAttemptInDoubt = inDoubt,
            PreviousOwner = inDoubt ? existing!.Owner : null,
        };

        if (signalWaiters)
        {
            // Registered before the commit: an in-process caller that sees the pending row also finds the signal.
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _running[key.Value] = signal;
            registered(signal);
        }

        return new IdempotencyClaimResult { Status = IdempotencyClaimStatus.Acquired, Claim = claim };
    }

    /// <summary>Inserts a first claim on a key nobody has claimed; false when another transaction inserted it first.</summary>
    private async ValueTask<bool> TryInsertClaimAsync(StoreTransaction tx, IdempotencyKey key, IdempotencyExecuteOptions? options, long now)
    {
        var command = SetClaim(tx.Command(InsertClaimSql), key, options, now).SetParameter("@kind", key.Kind);
        return await tx.ExecuteAsync(command).ConfigureAwait(false) == 1;
    }

    private DbCommand SetClaim(DbCommand command, IdempotencyKey key, IdempotencyExecuteOptions? options, long now) =>
        command
            .SetParameter("@key", key.Value)
            .SetParameter("@owner", Owner)
            .SetParameter("@now", now)
            .SetParameter("@claim_expires", ClaimExpires(now))
            .SetParameter("@description", options?.Description);

    private long ClaimExpires(long now) => now + (long)_options.ClaimDuration.TotalMilliseconds;

    private static bool IsReplayable(IdempotencyRecord record, long now, bool replayFailures)
    {
        if (record.ExpiresAt is { } expires && expires.ToUnixTimeMilliseconds() <= now)
        {
            return false;
        }

        return record.Status switch
        {
            IdempotencyStatus.Succeeded => true,
            // Only a failure that carries what happened (a result or an exit code) can be replayed; a thrown exception cannot.
            IdempotencyStatus.Failed => replayFailures && (record.Result is not null || record.ExitCode is not null),
            _ => false,
        };
    }

    private async ValueTask RecordHitAsync(string key, bool async)
    {
        _pendingHits.AddOrUpdate(key, 1, static (_, n) => n + 1);
        // Never from inside a write transaction on this flow: the flush is a write of its own (issue 14).
        if (TimeProvider.GetElapsedTime(Volatile.Read(ref _lastFlush)) < _options.HitCountFlushInterval
            || _store.IsWriteOpen
            || Interlocked.CompareExchange(ref _autoFlushing, 1, 0) != 0)
        {
            return;
        }

        try
        {
            await FlushHitCountsCoreAsync(async, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreException)
        {
            // The counts stay in memory for the next flush; a replay must not fail because a statistic could not be written.
        }
        finally
        {
            Volatile.Write(ref _autoFlushing, 0);
        }
    }

    private long? ExpiresAt(long now, TimeSpan? timeToLive)
    {
        var ttl = timeToLive ?? _options.DefaultTimeToLive;
        return ttl is null || ttl == Timeout.InfiniteTimeSpan ? null : now + (long)ttl.Value.TotalMilliseconds;
    }

    private ValueTask<int> ExecuteWriteAsync(string sql, string doing, bool async, CancellationToken cancellationToken) =>
        WriteAsync(doing, async, tx => tx.ExecuteAsync(tx.Command(sql).SetParameter("@now", tx.UtcNowMilliseconds)), cancellationToken);

    // One code path for both: with async false the store runs the work synchronously (the caller blocks, as a synchronous
    // API does); with async true it is truly asynchronous where the provider's driver is (PostgreSQL), so a waiting call
    // holds no thread-pool thread.
    private ValueTask<T> WriteAsync<T>(string doing, bool async, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return async
            ? _store.WriteAsync(doing, TimeProvider, work, cancellationToken: cancellationToken)
            : ValueTask.FromResult(_store.Write(doing, TimeProvider, work, cancellationToken: cancellationToken));
    }

    private ValueTask<T> ReadAsync<T>(string doing, bool async, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return async
            ? _store.ReadAsync(doing, TimeProvider, work, cancellationToken: cancellationToken)
            : ValueTask.FromResult(_store.Read(doing, TimeProvider, work, cancellationToken: cancellationToken));
    }

    private long NowMilliseconds() => TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private static string Describe(IdempotencyRecord? record) =>
        record is null
            ? "the key no longer exists"
            : string.Create(CultureInfo.InvariantCulture, $"{record.Status} under epoch {record.ClaimEpoch} of owner '{record.Owner}'");

    /// <summary>The replay fast path: one read of what a replay returns, no record built; null when there is nothing to replay.</summary>
    private static async ValueTask<IdempotencyOutcome?> ReplayAsync(StoreTransaction tx, string key, bool replayFailures)
    {
        var reader = await tx.ReaderAsync(tx.Command(ReplaySql).SetParameter("@key", key)).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await tx.ReadAsync(reader).ConfigureAwait(false) || (!reader.IsDBNull(1) && reader.GetInt64(1) <= tx.UtcNowMilliseconds))
            {
                return null;
            }

            var result = NullableString(reader, 2);
            int? exitCode = reader.IsDBNull(3) ? null : reader.GetInt32(3);
            return reader.GetString(0) switch
            {
                IdempotencyStatusNames.Succeeded => new IdempotencyOutcome(true, result, exitCode),
                // Same rule as IsReplayable: only a failure that carries a result or an exit code, and only when asked.
                IdempotencyStatusNames.Failed when replayFailures && (result is not null || exitCode is not null) =>
                    new IdempotencyOutcome(false, result, exitCode, NullableString(reader, 4)),
                _ => null,
            };
        }
    }

    private static async ValueTask<IdempotencyRecord?> ReadRecordAsync(StoreTransaction tx, string key, long now, string sql = LookupSql)
    {
        var reader = await tx.ReaderAsync(tx.Command(sql).SetParameter("@key", key)).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await tx.ReadAsync(reader).ConfigureAwait(false))
            {
                return null;
            }

            var status = IdempotencyStatusNames.Parse(reader.GetString(2));
            var claimExpires = NullableInt64(reader, 5);
            // A pending claim past its expiry is in doubt whether or not anyone has marked it.
            if (status == IdempotencyStatus.Pending && claimExpires <= now)
            {
                status = IdempotencyStatus.InDoubt;
            }

            return new IdempotencyRecord
            {
                Key = reader.GetString(0),
                Kind = reader.GetString(1),
                Status = status,
                Owner = NullableString(reader, 3),
                ClaimedAt = NullableTime(reader, 4),
                ClaimExpiresAt = claimExpires is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
                ClaimEpoch = reader.GetInt64(6),
                Description = NullableString(reader, 7),
                Result = NullableString(reader, 8),
                ExitCode = reader.IsDBNull(9) ? null : reader.GetInt32(9),
                Error = NullableString(reader, 10),
                HitCount = reader.GetInt64(11),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12)),
                UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)),
                CompletedAt = NullableTime(reader, 14),
                ExpiresAt = NullableTime(reader, 15),
            };
        }
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
