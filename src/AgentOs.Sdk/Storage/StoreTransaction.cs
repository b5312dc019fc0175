using System.Data.Common;
using AgentOs.Sdk.Storage.UnitOfWork;

namespace AgentOs.Sdk.Storage;

/// <summary>
/// One unit of work on an <see cref="AgentOsStore"/>: a rented connection, its transaction, and the one "now" the work
/// runs under. Commands made here are already enlisted in the transaction; the store commits when the work returns and
/// rolls back when it throws. Valid only while the work runs.
/// </summary>
/// <remarks>
/// Write SQL with named parameters as <c>@name</c> (every provider accepts it) and set them with
/// <see cref="StoreCommandExtensions.SetParameter"/>. Never open another write on the store from inside a write
/// transaction: the store refuses it with an <see cref="InvalidOperationException"/>, because on SQLite the second
/// transaction would wait for the first's lock until the busy timeout.
/// </remarks>
public sealed class StoreTransaction
{
    private readonly StoreConnection _connection;
    private long? _utcNowMilliseconds;
    private bool _completed;

    internal StoreTransaction(
        AgentOsStore store,
        StoreConnection connection,
        DbTransaction? transaction,
        TimeProvider clock,
        long? utcNowMilliseconds,
        bool isWrite,
        bool isAsync,
        string doing,
        CancellationToken cancellationToken)
    {
        Store = store;
        _connection = connection;
        Transaction = transaction;
        Clock = clock;
        _utcNowMilliseconds = utcNowMilliseconds;
        // No "now" read up front: the provider's statements read the server's clock themselves (see ClockInStatements).
        ClockInStatements = utcNowMilliseconds is null;
        IsWrite = isWrite;
        IsAsync = isAsync;
        Doing = doing;
        CancellationToken = cancellationToken;
    }

    /// <summary>The store the work runs on.</summary>
    public AgentOsStore Store { get; }

    /// <summary>The connection; use <see cref="CreateCommand"/> rather than the connection's own, which is not enlisted.</summary>
    public DbConnection Connection => _connection.Connection;

    /// <summary>
    /// The transaction, or null for a plain read outside any transaction, and for one of the SDK's own writes that is a
    /// single batch a server commits by itself (one round trip, no BEGIN or COMMIT).
    /// </summary>
    public DbTransaction? Transaction { get; }

    /// <summary>Whether this is a write transaction.</summary>
    public bool IsWrite { get; }

    /// <summary>
    /// "Now" for this unit of work, resolved once: every time it writes or compares is this one. SQLite: the caller's
    /// <see cref="TimeProvider"/>, read once the write lock is held. PostgreSQL: the server's clock, read when the
    /// transaction began, or, inside <c>LeaseManager.ExecuteFenced</c>, the time the fence judged the lease by (read on the
    /// server after the fence's row lock).
    /// </summary>
    public DateTimeOffset UtcNow => DateTimeOffset.FromUnixTimeMilliseconds(UtcNowMilliseconds);

    /// <summary><see cref="UtcNow"/> in Unix milliseconds, the unit of every time column of the store.</summary>
    public long UtcNowMilliseconds => _utcNowMilliseconds ??= AgentOsStore.Synchronously(ReadNowAsync(async: false));

    /// <summary>
    /// Whether this unit of work's statements read "now" on the database (<c>@now</c> is not bound; the provider's SQL reads
    /// the server's clock when each statement begins) instead of the unit reading it once up front. Only the SDK's own
    /// hot paths run this way; their statements return the times they wrote. <see cref="UtcNow"/> still works: it is read
    /// from the server when first asked for.
    /// </summary>
    internal bool ClockInStatements { get; }

    /// <summary>The token of the call this work runs for.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The caller's clock that "now" was resolved with.</summary>
    internal TimeProvider Clock { get; }

    /// <summary>What the work is doing, for error messages.</summary>
    internal string Doing { get; }

    /// <summary>Whether the work runs asynchronously on a driver with real asynchronous I/O.</summary>
    internal bool IsAsync { get; }

    internal bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>A new command enlisted in this transaction; the caller disposes it.</summary>
    /// <exception cref="InvalidOperationException">The unit of work has ended.</exception>
    public DbCommand CreateCommand(string commandText)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commandText);
        EnsureOpen();
        return _connection.NewCommand(commandText, Transaction);
    }

    /// <summary>
    /// The connection's cached command for <paramref name="sql"/> (one statement, or several separated by <c>;</c> that go
    /// in one round trip), enlisted here; never disposed by the caller. Set its <c>@now</c> with <see cref="SetNow"/>.
    /// </summary>
    internal DbCommand Command(string sql)
    {
        EnsureOpen();
        return _connection.Command(sql, Transaction, ClockInStatements);
    }

    /// <summary>
    /// Like <see cref="Command"/>, but the statement reads "now" itself wherever the provider's clock is the server's,
    /// whatever this unit's mode: for a check that must judge time after its own lock wait, such as a lease fence inside a
    /// transaction the caller began earlier. <paramref name="bindNow"/> says whether <c>@now</c> still needs a value.
    /// </summary>
    internal DbCommand ClockedCommand(string sql, out bool bindNow)
    {
        EnsureOpen();
        var statementClock = Store.Provider.ClockInStatements;
        bindNow = !statementClock;
        return _connection.Command(sql, Transaction, statementClock);
    }

    /// <summary>Binds <c>@now</c> to <see cref="UtcNowMilliseconds"/>, unless the statement reads the clock itself (<see cref="ClockInStatements"/>).</summary>
    internal void SetNow(DbCommand command)
    {
        if (!ClockInStatements)
        {
            command.SetParameter("@now", UtcNowMilliseconds);
        }
    }

    /// <summary>
    /// Makes <paramref name="utcNowMilliseconds"/>, a time a statement read on the server and returned, this unit's "now" if
    /// it has none yet (<see cref="ClockInStatements"/>): the work after that statement then writes the same time.
    /// </summary>
    internal void Observe(long utcNowMilliseconds) => _utcNowMilliseconds ??= utcNowMilliseconds;

    /// <summary>"Now" for this unit of work: <see cref="UtcNowMilliseconds"/>, read from the server the first time when the statements read it themselves.</summary>
    internal async ValueTask<long> NowAsync() =>
        _utcNowMilliseconds ??= await ReadNowAsync(IsAsync).ConfigureAwait(false);

    /// <summary>
    /// "Now" by <paramref name="clock"/>'s rule: <see cref="UtcNowMilliseconds"/> when the unit of work was begun with that
    /// clock, else resolved again by the provider (SQLite: that clock; a server store: the server's clock).
    /// </summary>
    internal ValueTask<long> NowByAsync(TimeProvider clock) =>
        ReferenceEquals(clock, Clock)
            ? NowAsync()
            : Store.Provider.ReadClockAsync(Connection, Transaction, clock, IsAsync, CancellationToken);

    internal ValueTask<int> ExecuteAsync(DbCommand command) =>
        IsAsync ? new ValueTask<int>(command.ExecuteNonQueryAsync(CancellationToken)) : ValueTask.FromResult(command.ExecuteNonQuery());

    internal ValueTask<object?> ScalarAsync(DbCommand command) =>
        IsAsync ? new ValueTask<object?>(command.ExecuteScalarAsync(CancellationToken)) : ValueTask.FromResult(command.ExecuteScalar());

    internal ValueTask<DbDataReader> ReaderAsync(DbCommand command) =>
        IsAsync ? new ValueTask<DbDataReader>(command.ExecuteReaderAsync(CancellationToken)) : ValueTask.FromResult(command.ExecuteReader());

    /// <summary>
    /// Runs a command of several statements and returns its reader on the result of the last one, past the rows of the
    /// <paramref name="leadingResults"/> statements before it that return rows (statements that return none have no result).
    /// </summary>
    internal async ValueTask<DbDataReader> LastResultAsync(DbCommand command, int leadingResults)
    {
        var reader = await ReaderAsync(command).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < leadingResults; i++)
            {
                if (!(IsAsync ? await reader.NextResultAsync(CancellationToken).ConfigureAwait(false) : reader.NextResult()))
                {
                    throw new InvalidOperationException($"The statements of '{Doing}' returned {i + 1} results, not {leadingResults + 1}.");
                }
            }

            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal ValueTask<bool> ReadAsync(DbDataReader reader) =>
        IsAsync ? new ValueTask<bool>(reader.ReadAsync(CancellationToken)) : ValueTask.FromResult(reader.Read());

    internal void Complete() => Volatile.Write(ref _completed, true);

    private ValueTask<long> ReadNowAsync(bool async)
    {
        EnsureOpen();
        return Store.Provider.ReadClockAsync(Connection, Transaction, Clock, async, CancellationToken);
    }

    private void EnsureOpen()
    {
        if (IsCompleted)
        {
            throw new InvalidOperationException($"The unit of work '{Doing}' on store '{Store.Location}' has ended; its transaction can no longer be used.");
        }
    }
}
