using System.Data.Common;
using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.Storage.UnitOfWork;

/// <summary>
/// One open, configured connection of the store with its commands prepared once, keyed by their SQL text: a hot path
/// (a few small statements and a commit) then pays no parsing and no per-open setup. One caller at a time, through
/// <see cref="StoreConnectionPool"/>.
/// </summary>
internal sealed class StoreConnection : IAsyncDisposable, IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    // The same SQL translated for units of work whose statements read "now" on the database (StoreProvider.ClockInStatements).
    private readonly Dictionary<string, DbCommand> _statementClockCommands = new(StringComparer.Ordinal);
    private readonly StoreDialect _dialect;

    public StoreConnection(DbConnection connection, StoreDialect dialect)
    {
        Connection = connection;
        _dialect = dialect;
    }

    public DbConnection Connection { get; }

    /// <summary>When the connection was last handed back to the pool (<see cref="TimeProvider.GetTimestamp"/>), or null while it has never been.</summary>
    public long? ReturnedAt { get; set; }

    /// <summary>
    /// Whether this store used the connection within <paramref name="limit"/> before this use. False for one it has not used
    /// yet: the driver's own pool may have kept it idle for minutes.
    /// </summary>
    public bool UsedWithin(TimeProvider clock, TimeSpan limit) => ReturnedAt is { } returned && clock.GetElapsedTime(returned) < limit;

    /// <summary>
    /// The cached command for <paramref name="portableSql"/>, enlisted in <paramref name="transaction"/>. Its parameters keep
    /// the values of the last execution: callers set every parameter with <see cref="StoreCommandExtensions.SetParameter"/>.
    /// </summary>
    /// <param name="portableSql">The statement (or statements, separated by <c>;</c>, sent in one round trip).</param>
    /// <param name="transaction">The unit of work's transaction, or null.</param>
    /// <param name="statementClock">Whether <c>@now</c> is read by the statement on the database instead of bound.</param>
    public DbCommand Command(string portableSql, DbTransaction? transaction, bool statementClock = false)
    {
        var cache = statementClock ? _statementClockCommands : _commands;
        if (!cache.TryGetValue(portableSql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = statementClock ? _dialect.TranslateWithStatementClock(portableSql) : _dialect.Translate(portableSql);
            cache.Add(portableSql, command);
        }

        command.Transaction = transaction;
        return command;
    }

    /// <summary>A new command (not cached) enlisted in <paramref name="transaction"/>; the caller disposes it.</summary>
    public DbCommand NewCommand(string portableSql, DbTransaction? transaction)
    {
        var command = Connection.CreateCommand();
        command.CommandText = _dialect.Translate(portableSql);
        command.Transaction = transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values.Concat(_statementClockCommands.Values))
        {
            command.Dispose();
        }

        _commands.Clear();
        _statementClockCommands.Clear();
        Connection.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values.Concat(_statementClockCommands.Values))
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }

        _commands.Clear();
        _statementClockCommands.Clear();
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
