using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// One open, configured connection of the store with its statements prepared once: the hot path of a checkpoint
/// (three small statements and a commit) then pays no parsing and no per-open <c>PRAGMA</c>s.
/// Used by one thread at a time, through <see cref="CheckpointConnectionPool"/>.
/// </summary>
internal sealed class CheckpointConnection : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public CheckpointConnection(AgentOsStore store)
    {
        Connection = (SqliteConnection)store.OpenConnection();
    }

    public SqliteConnection Connection { get; }

    /// <summary>
    /// The cached command for <paramref name="sql"/>, enlisted in <paramref name="transaction"/>. Its parameters keep the values
    /// of the last execution: callers set every parameter with <see cref="CommandParameters.Set"/> before executing.
    /// </summary>
    public SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Transaction = transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}
