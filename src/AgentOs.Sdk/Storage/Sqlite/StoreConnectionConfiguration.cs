using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Storage.Sqlite;

/// <summary>
/// The per-connection settings of a store (busy timeout, synchronous level, foreign keys, WAL), built from
/// <see cref="StoreOptions"/> in one place: <see cref="AgentOsStore"/> applies them to every connection it hands out,
/// and the start-up health check applies the same ones to its read-only connection, so that what it measures is what
/// the store's connections get, never the driver's defaults.
/// </summary>
internal sealed class StoreConnectionConfiguration
{
    private readonly string _busyTimeoutSql;
    private readonly string _pragmaSql;

    public StoreConnectionConfiguration(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pragmaSql = options.ConnectionPragmas();
        // The busy timeout is the first pragma (see ConnectionPragmas): the statement up to its semicolon.
        _busyTimeoutSql = _pragmaSql[..(_pragmaSql.IndexOf(';', StringComparison.Ordinal) + 1)];
        if (!_busyTimeoutSql.StartsWith("PRAGMA busy_timeout", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("StoreOptions.ConnectionPragmas must set the busy timeout first.");
        }
    }

    /// <summary>
    /// Applies the store's pragmas. None of them touches the file; with <paramref name="switchToWal"/> the connection
    /// also turns WAL on, which writes the file header when it is not in WAL yet (the health check never asks for it).
    /// </summary>
    /// <exception cref="StoreException">SQLite refused WAL mode.</exception>
    public void Apply(SqliteConnection connection, bool switchToWal, string databasePath)
    {
        using var command = connection.CreateCommand();
        // The busy timeout goes first: switching to WAL may have to wait for another connection's lock.
        command.CommandText = _pragmaSql;
        command.ExecuteNonQuery();
        if (!switchToWal)
        {
            return;
        }

        // WAL is persistent in the file; asking again is free when it is already on, and repairs a file someone switched back.
        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(databasePath, $"SQLite refused WAL mode (journal_mode is '{mode}')");
        }
    }

    /// <summary>Sets only the busy timeout: a connection that must read the file without changing anything else.</summary>
    public void ApplyBusyTimeout(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _busyTimeoutSql;
        command.ExecuteNonQuery();
    }
}
