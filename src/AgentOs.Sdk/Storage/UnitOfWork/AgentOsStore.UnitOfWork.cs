using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using AgentOs.Sdk.Storage.Providers;
using AgentOs.Sdk.Storage.UnitOfWork;

namespace AgentOs.Sdk.Storage;

/// <summary>The unit of work every module runs its SQL through: one connection, one transaction, one "now", one retry rule.</summary>
public sealed partial class AgentOsStore
{
    // Never disposed: a write still in flight when the store is disposed must be able to release it.
    private readonly SemaphoreSlim? _writeGate;

    // The write transaction open on this flow of execution, if any: a second write from inside it is refused (issue 14).
    private readonly AsyncLocal<StoreTransaction?> _openWrite = new();

    /// <summary>The store's retry rule for transient failures.</summary>
    internal StoreRetryPolicy RetryPolicy { get; }

    /// <summary>Whether a write transaction of this store is open on the calling flow of execution.</summary>
    internal bool IsWriteOpen => _openWrite.Value is { IsCompleted: false };

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction on one rented connection and commits it. A transient failure
    /// (busy, serialization, deadlock) rolls it back and runs it again under <paramref name="retry"/> (default
    /// <see cref="RetryPolicy"/>); any other database error becomes a <see cref="StoreException"/> that names the store and
    /// <paramref name="doing"/>. An exception of the work's own rolls back and propagates unchanged.
    /// </summary>
    /// <param name="doing">What the work does, for errors ("record the outcome of idempotency key 'k'").</param>
    /// <param name="clock">The caller's clock; the provider resolves the transaction's "now" from it (or from the server).</param>
    /// <param name="work">The work; it must not start another write on this store (refused with <see cref="InvalidOperationException"/>).</param>
    /// <param name="retry">A caller-specific retry rule.</param>
    /// <param name="cancellationToken">Cancels waiting for the write lock and between retries.</param>
    internal T Write<T>(string doing, TimeProvider clock, Func<StoreTransaction, ValueTask<T>> work, StoreRetryPolicy? retry = null, CancellationToken cancellationToken = default) =>
        Write(doing, clock, statementClock: false, work, retry, cancellationToken);

    /// <summary><see cref="Write{T}(string, TimeProvider, Func{StoreTransaction, ValueTask{T}}, StoreRetryPolicy?, CancellationToken)"/>, choosing how "now" is read.</summary>
    /// <param name="doing">What the work does, for errors.</param>
    /// <param name="clock">The caller's clock.</param>
    /// <param name="work">The work.</param>
    /// <param name="retry">A caller-specific retry rule.</param>
    /// <param name="cancellationToken">Cancels waiting for the write lock and between retries.</param>
    /// <param name="statementClock">
    /// Whether the work's SQL reads "now" itself: it binds <c>@now</c> with <see cref="StoreTransaction.SetNow"/> and takes
    /// the times it wrote from <c>RETURNING</c>. Where the provider's clock is the server's
    /// (<see cref="StoreProvider.ClockInStatements"/>), the unit then makes no separate round trip to read the clock.
    /// </param>
    internal T Write<T>(string doing, TimeProvider clock, bool statementClock, Func<StoreTransaction, ValueTask<T>> work, StoreRetryPolicy? retry = null, CancellationToken cancellationToken = default) =>
        Synchronously(RunAsync(write: true, snapshot: false, async: false, doing, clock, work, retry, statementClock, cancellationToken));

    /// <summary>
    /// A write whose statements read "now" themselves (as with <c>statementClock</c>) and whose whole write is the first
    /// command it runs: one batch of statements sent in one round trip. Where the provider commits such a batch as a
    /// transaction of its own (<see cref="StoreProvider.CommitsBatchesAlone"/>: PostgreSQL), the unit sends no BEGIN and no
    /// COMMIT, so the write is one round trip instead of two, and its row locks are held for that round trip only. Elsewhere
    /// it is an ordinary write transaction.
    /// </summary>
    /// <remarks>
    /// The batch is committed when its command completes: whatever the work does after it (reading the results, throwing)
    /// cannot roll it back, so the batch must be the whole write and leave nothing half done if the work then throws (a
    /// conditional UPDATE that changed no row, for example). A command the work runs after it is a transaction of its own:
    /// only reads belong there (the explanation of a refusal). A connection lost during the batch leaves its outcome
    /// unknown, as a lost COMMIT does: it is not run again. An error the server answers the batch with (a cancellation it
    /// honoured, a failed statement) rolls all of it back. A connection this store has not used within
    /// <see cref="BatchIdleLimit"/> (or not at all yet) carries an ordinary write transaction instead, so that finding it
    /// dead costs a retry, not a doubt.
    /// </remarks>
    internal T WriteBatch<T>(string doing, TimeProvider clock, Func<StoreTransaction, ValueTask<T>> work, StoreRetryPolicy? retry = null, CancellationToken cancellationToken = default) =>
        Synchronously(RunAsync(write: true, snapshot: false, async: false, doing, clock, work, retry, statementClock: true, cancellationToken, batch: true));

    /// <summary>Asynchronous <see cref="WriteBatch{T}"/>.</summary>
    internal ValueTask<T> WriteBatchAsync<T>(string doing, TimeProvider clock, Func<StoreTransaction, ValueTask<T>> work, StoreRetryPolicy? retry = null, CancellationToken cancellationToken = default) =>
        RunAsync(write: true, snapshot: false, async: true, doing, clock, work, retry, statementClock: true, cancellationToken, batch: true);

    /// <summary>Asynchronous <see cref="Write{T}(string, TimeProvider, Func{StoreTransaction, ValueTask{T}}, StoreRetryPolicy?, CancellationToken)"/>; truly asynchronous where the provider's driver is.</summary>
    internal ValueTask<T> WriteAsync<T>(string doing, TimeProvider clock, Func<StoreTransaction, ValueTask<T>> work, StoreRetryPolicy? retry = null, CancellationToken cancellationToken = default) =>
        RunAsync(write: true, snapshot: false, async: true, doing, clock, work, retry, statementClock: false, cancellationToken);

    /// <summary>Asynchronous <see cref="Write{T}(string, TimeProvider, bool, Func{StoreTransaction, ValueTask{T}}, StoreRetryPolicy?, CancellationToken)"/>.</summary>
    internal ValueTask<T> WriteAsync<T>(string doing, TimeProvider clock, bool statementClock, Func<StoreTransaction, ValueTask<T>> work, StoreRetryPolicy? retry = null, CancellationToken cancellationToken = default) =>
        RunAsync(write: true, snapshot: false, async: true, doing, clock, work, retry, statementClock, cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a rented connection, outside a transaction unless <paramref name="snapshot"/> asks for one snapshot of its reads.</summary>
    internal T Read<T>(string doing, TimeProvider clock, Func<StoreTransaction, ValueTask<T>> work, bool snapshot = false, CancellationToken cancellationToken = default) =>
        Synchronously(RunAsync(write: false, snapshot, async: false, doing, clock, work, retry: null, statementClock: false, cancellationToken));

    /// <summary>Asynchronous <see cref="Read"/>.</summary>
    internal ValueTask<T> ReadAsync<T>(string doing, TimeProvider clock, Func<StoreTransaction, ValueTask<T>> work, bool snapshot = false, CancellationToken cancellationToken = default) =>
        RunAsync(write: false, snapshot, async: true, doing, clock, work, retry: null, statementClock: false, cancellationToken);

    /// <summary>The result of a call made with <c>async: false</c>, which completes synchronously unless the work itself awaited something.</summary>
    internal static T Synchronously<T>(ValueTask<T> pending) =>
        pending.IsCompleted ? pending.GetAwaiter().GetResult() : pending.AsTask().GetAwaiter().GetResult();

    private async ValueTask<T> RunAsync<T>(
        bool write,
        bool snapshot,
        bool async,
        string doing,
        TimeProvider clock,
        Func<StoreTransaction, ValueTask<T>> work,
        StoreRetryPolicy? retry,
        bool statementClock,
        CancellationToken cancellationToken,
        bool batch = false)
    {
        if (write && _openWrite.Value is { IsCompleted: false } open)
        {
            throw new InvalidOperationException(
                $"Cannot {doing}: a write transaction ('{open.Doing}') is already open on this flow of execution on store '{Location}'. "
                + "A second write transaction would wait for the first one's lock until the busy timeout; write inside the open transaction or after it ends.");
        }

        var policy = retry ?? RetryPolicy;
        var asyncIo = async && Provider.HasAsyncIo;
        var spent = TimeSpan.Zero;
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (write && _writeGate is not null)
            {
                // One writer at a time holds SQLite anyway; queueing this store's writers here hands the lock on at once.
                await EnterWriteGateAsync(asyncIo, doing, cancellationToken).ConfigureAwait(false);
            }

            StoreConnection? connection = null;
            StoreTransaction? unit = null;
            var reusable = false;
            var committing = false;
            var batchCommits = false;
            TimeSpan? backoff = null;
            try
            {
                connection = await _pool.RentAsync(asyncIo, cancellationToken).ConfigureAwait(false);
                // A write that is one batch runs outside an explicit transaction where the batch is a transaction by itself,
                // on a connection this store used recently. One that sat idle (here or in the driver's pool) may have been
                // dropped by the network (an idle timeout of a NAT or load balancer) without a word: found by the batch
                // itself, that would leave the write in doubt, while found by a BEGIN it is simply run again.
                batchCommits = write && batch && Provider.CommitsBatchesAlone && connection.UsedWithin(Options.TimeProvider, BatchIdleLimit);
                DbTransaction? transaction = write && !batchCommits
                    ? await Provider.BeginWriteAsync(connection.Connection, asyncIo, cancellationToken).ConfigureAwait(false)
                    : snapshot ? await Provider.BeginSnapshotAsync(connection.Connection, asyncIo, cancellationToken).ConfigureAwait(false) : null;
                try
                {
                    // "Now" is read once the lock is held: a write that waited for the lock past an expiry must see it expired.
                    // SQLite's BEGIN IMMEDIATE took the lock already. A server's row locks are taken by the statements, so
                    // where they read the server's clock themselves (each after the locks of the statements before it)
                    // the unit reads nothing up front, saving a round trip.
                    long? now = statementClock && Provider.ClockInStatements
                        ? null
                        : await Provider.ReadClockAsync(connection.Connection, transaction, clock, asyncIo, cancellationToken).ConfigureAwait(false);
                    unit = new StoreTransaction(this, connection, transaction, clock, now, write, asyncIo, doing, cancellationToken);
                    if (write)
                    {
                        _openWrite.Value = unit;
                    }

                    // A batch that commits by itself is committing from the moment it is sent (see InDoubt).
                    committing = batchCommits;
                    var result = await work(unit).ConfigureAwait(false);
                    if (batchCommits && connection.Connection.State != ConnectionState.Open)
                    {
                        // The driver gave up on the connection after the results (a commit that stalled past the timeout):
                        // whether the batch committed is unknown.
                        throw InDoubtFailure(doing, "the connection broke before the server confirmed the commit", innerException: null);
                    }

                    committing = true;
                    if (transaction is not null)
                    {
                        // The durability point of a write: with synchronous=FULL the WAL is fsynced before Commit returns.
                        if (asyncIo)
                        {
                            // Never cancelled: once the work is done, cancelling its COMMIT would only leave the caller not
                            // knowing whether it committed.
                            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                        }
                        else
                        {
                            transaction.Commit();
                        }
                    }

                    reusable = true;
                    return result;
                }
                finally
                {
                    unit?.Complete();
                    if (write)
                    {
                        _openWrite.Value = null;
                    }

                    // Disposing an uncommitted transaction rolls it back: nothing of a failed attempt stays in the database.
                    if (transaction is not null)
                    {
                        await DisposeQuietlyAsync(transaction, asyncIo).ConfigureAwait(false);
                    }
                }
            }
            catch (DbException ex) when (MayRunAgain(ex, InDoubt(ex, committing, batchCommits, connection), policy) && (backoff = policy.NextDelay(attempt, ref spent)) is not null)
            {
                // Rolled back above (or by the server, when the session died); the connection is closed below and the next
                // attempt starts clean.
                if (Provider.Classify(ex) == StoreErrorKind.ConnectionLost)
                {
                    // Every idle connection went down with the server: the next attempt must not be handed one of them.
                    _pool.Clear();
                    Provider.ClearPool();
                }
            }
            catch (DbException ex) when (InDoubt(ex, committing, batchCommits, connection))
            {
                _pool.Clear();
                Provider.ClearPool();
                throw InDoubtFailure(doing, $"the connection was lost while committing: {ex.Message}", ex);
            }
            catch (DbException ex)
            {
                throw Failure(ex, doing);
            }
            catch (OperationCanceledException ex) when (committing && batchCommits && connection?.Connection.State != ConnectionState.Open)
            {
                // Cancelled while the batch ran and the driver could not get the server's answer to the cancellation: the
                // batch may have committed. (A cancellation the server honoured is an error before the batch's end, which
                // rolls it back, and leaves the connection open: that one propagates below as a plain cancellation.)
                throw InDoubtFailure(doing, "the call was cancelled while the server ran it and the connection broke", ex);
            }
            catch (Exception ex) when (ex is not StoreException)
            {
                // The work's own exception: its transaction was rolled back (a batch that commits by itself ended with an
                // error or was never sent) and the connection is still sound if it is still open.
                reusable = connection?.Connection.State == ConnectionState.Open;
                throw;
            }
            finally
            {
                if (connection is not null)
                {
                    _pool.Return(connection, reusable);
                }

                if (write)
                {
                    _writeGate?.Release();
                }
            }

            if (asyncIo)
            {
                await Task.Delay(backoff.GetValueOrDefault(), Options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Task.Delay(backoff.GetValueOrDefault(), Options.TimeProvider, cancellationToken).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>
    /// Whether a failed attempt may run again from the start: a failure the policy retries (busy, serialization, deadlock...)
    /// rolled it back, and so did a lost connection that is not in doubt (<see cref="InDoubt"/>). A write in doubt could
    /// be applied twice if run again: never retried.
    /// </summary>
    private bool MayRunAgain(DbException exception, bool inDoubt, StoreRetryPolicy policy)
    {
        var kind = Provider.Classify(exception);
        return policy.Retries(kind, Provider) || (kind == StoreErrorKind.ConnectionLost && !inDoubt);
    }

    /// <summary>
    /// Whether a lost connection leaves the write's outcome unknown: it happened while committing (during COMMIT, or during a
    /// batch that commits by itself), the server did not say it ended the session first (PostgreSQL <c>57P01</c>...), and,
    /// for a batch, the connection is broken: while it is still open the server answered the batch with an error (a
    /// cancelled lock wait, a command timeout it honoured), which rolls the batch back.
    /// </summary>
    private bool InDoubt(DbException exception, bool committing, bool batchCommits, StoreConnection? connection) =>
        committing
        && Provider.Classify(exception) == StoreErrorKind.ConnectionLost
        && !Provider.EndedBeforeCommit(exception)
        && !(batchCommits && connection?.Connection.State == ConnectionState.Open);

    private StoreException InDoubtFailure(string doing, string why, Exception? innerException) =>
        new(
            Location,
            $"Cannot {doing}: {why}, so whether the transaction committed is unknown; it was not run again (a write that is not idempotent must be checked before it is retried)",
            innerException)
        {
            CommitOutcomeUnknown = true,
        };

    /// <summary>How long a pooled connection may have been idle and still carry a batch that commits by itself (see <see cref="WriteBatch{T}"/>).</summary>
    internal static TimeSpan BatchIdleLimit { get; } = TimeSpan.FromSeconds(30);

    private async ValueTask EnterWriteGateAsync(bool async, string doing, CancellationToken cancellationToken)
    {
        var entered = async
            ? await _writeGate!.WaitAsync(Options.BusyTimeout, cancellationToken).ConfigureAwait(false)
            : _writeGate!.Wait(Options.BusyTimeout, cancellationToken);
        if (!entered)
        {
            throw new StoreException(Location, $"Cannot {doing}: this process's other writers held the store for longer than the busy timeout ({Options.BusyTimeout.TotalMilliseconds:0} ms)");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async ValueTask DisposeQuietlyAsync(DbTransaction transaction, bool async)
    {
        try
        {
            if (async)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                transaction.Dispose();
            }
        }
        catch (DbException)
        {
            // A rollback that fails leaves nothing committed; the connection is discarded with the error that caused it.
        }
    }
}
