using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>
/// A logger (and its own factory) that, for one log event, writes a row to a SQLite store through a connection of its own
/// with <c>busy_timeout = 0</c> (and a 1 s timeout on its open), and records whether the write went through. It shows whether the SDK logs that event while
/// it holds the store's write lock: then the write fails at once with "database is locked" instead of stalling the test.
/// </summary>
internal sealed class StoreWritingLogger(string path, string eventName) : ILogger, ILoggerFactory
{
    private int _rows;

    /// <summary>One entry per logged event: "<c>name: written</c>", or the name and the error the write met.</summary>
    public List<string> Results { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Name != eventName)
        {
            return;
        }

        try
        {
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Default Timeout=1");
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 0");
            Execute(connection, "BEGIN IMMEDIATE");
            Execute(connection, $"INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('log-line-{Interlocked.Increment(ref _rows)}', 0, 0)");
            Execute(connection, "COMMIT");
            Results.Add($"{eventId.Name}: written");
        }
        catch (SqliteException ex)
        {
            Results.Add($"{eventId.Name}: {ex.Message}");
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
