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
    private bool _completed;

    internal StoreTransaction(
        AgentOsStore store,
        StoreConnection connection,
        DbTransaction? transaction,
        TimeProvider clock,
        long utcNowMilliseconds,
        bool isWrite,
        bool isAsync,
        string doing,
        CancellationToken cancellationToken)
    {
        Store = store;
        _connection = connection;
        Transaction = transaction;
        Clock = clock;
        UtcNowMilliseconds = utcNowMilliseconds;
        IsWrite = isWrite;
        IsAsync = isAsync;
        Doing = doing;
        CancellationToken = cancellationToken;
    }

    /// <summary>The store the work runs on.</summary>
    public AgentOsStore Store { get; }

    /// <summary>The connection; use <see cref="CreateCommand"/> rather than the connection's own, which is not enlisted.</summary>
    public DbConnection Connection => _connection.Connection;

    /// <summary>The transaction, or null for a plain read outside any transaction.</summary>
    public DbTransaction? Transaction { get; }

    /// <summary>Whether this is a write transaction.</summary>
    public bool IsWrite { get; }

    /// <summary>
    /// "Now" for this unit of work, resolved once when it began (after any lock was taken): every time it writes or
    /// compares is this one. SQLite: the caller's <see cref="TimeProvider"/>; a server store may use the server's clock.
    /// </summary>
    public DateTimeOffset UtcNow => DateTimeOffset.FromUnixTimeMilliseconds(UtcNowMilliseconds);

    /// <summary><see cref="UtcNow"/> in Unix milliseconds, the unit of every time column of the store.</summary>
    public long UtcNowMilliseconds { get; }

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

    /// <summary>The connection's cached command for <paramref name="sql"/>, enlisted here; never disposed by the caller.</summary>
    internal DbCommand Command(string sql)
    {
        EnsureOpen();
        return _connection.Command(sql, Transaction);
    }

    /// <summary>
    /// "Now" by <paramref name="clock"/>'s rule: <see cref="UtcNowMilliseconds"/> when the unit of work was begun with that
    /// clock, else resolved again by the provider (SQLite: that clock; a server store: the server's clock).
    /// </summary>
    internal ValueTask<long> NowByAsync(TimeProvider clock) =>
        ReferenceEquals(clock, Clock)
            ? ValueTask.FromResult(UtcNowMilliseconds)
            : Store.Provider.ReadClockAsync(Connection, Transaction, clock, IsAsync, CancellationToken);

    internal ValueTask<int> ExecuteAsync(DbCommand command) =>
        IsAsync ? new ValueTask<int>(command.ExecuteNonQueryAsync(CancellationToken)) : ValueTask.FromResult(command.ExecuteNonQuery());

    internal ValueTask<object?> ScalarAsync(DbCommand command) =>
        IsAsync ? new ValueTask<object?>(command.ExecuteScalarAsync(CancellationToken)) : ValueTask.FromResult(command.ExecuteScalar());

    internal ValueTask<DbDataReader> ReaderAsync(DbCommand command) =>
        IsAsync ? new ValueTask<DbDataReader>(command.ExecuteReaderAsync(CancellationToken)) : ValueTask.FromResult(command.ExecuteReader());

    internal ValueTask<bool> ReadAsync(DbDataReader reader) =>
        IsAsync ? new ValueTask<bool>(reader.ReadAsync(CancellationToken)) : ValueTask.FromResult(reader.Read());

    internal void Complete() => Volatile.Write(ref _completed, true);

    private void EnsureOpen()
    {
        if (IsCompleted)
        {
            throw new InvalidOperationException($"The unit of work '{Doing}' on store '{Store.Location}' has ended; its transaction can no longer be used.");
        }
    }
}
