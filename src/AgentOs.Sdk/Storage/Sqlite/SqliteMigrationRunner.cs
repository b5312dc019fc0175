using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Storage.Sqlite;

/// <summary>Brings a SQLite store to <see cref="StoreSchema.CurrentVersion"/>, one migration per transaction.</summary>
internal static class SqliteMigrationRunner
{
    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version       TEXT    NOT NULL PRIMARY KEY,
            major         INTEGER NOT NULL,
            minor         INTEGER NOT NULL,
            description   TEXT    NOT NULL,
            checksum      TEXT    NOT NULL,
            applied_at_ms INTEGER NOT NULL,
            UNIQUE (major, minor)
        ) STRICT;
        """;

    public static SchemaVersion Migrate(AgentOsStore store, SqliteStoreProvider provider)
    {
        try
        {
            // Identify the file on a connection that changes nothing, before the store's own connection switches it to WAL.
            using (var probe = provider.OpenUnconfiguredConnection())
            {
                EnsureOurs(store.DatabasePath, probe);
            }

            using var connection = (SqliteConnection)store.OpenConnection();

            // The common case, a store already at the current version, only reads: many processes opening a busy store
            // must not queue for its write lock just to find that nothing is pending.
            if (IsUpToDate(store, connection))
            {
                return StoreSchema.CurrentVersion;
            }

            var applied = default(SchemaVersion);
            foreach (var migration in Migration.All)
            {
                applied = Apply(store, connection, migration);
            }

            return applied;
        }
        catch (SqliteException ex)
        {
            throw store.Failure(ex, "migrate the database");
        }
    }

    // A database of another application must never be "migrated" into ours: refuse it before writing anything.
    private static void EnsureOurs(string databasePath, SqliteConnection connection)
    {
        // One read transaction: another process may finish migrating between the two reads.
        using var snapshot = connection.BeginTransaction(deferred: true);
        var applicationId = Scalar<long>(connection, "PRAGMA application_id");
        if (applicationId == StoreSchema.ApplicationId)
        {
            return;
        }

        if (applicationId != 0)
        {
            throw new StoreException(
                databasePath,
                string.Create(CultureInfo.InvariantCulture, $"The database belongs to another application (application_id 0x{applicationId:X8}, expected 0x{StoreSchema.ApplicationId:X8})"));
        }

        var tables = Scalar<long>(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        if (tables != 0)
        {
            throw new StoreException(
                databasePath,
                string.Create(CultureInfo.InvariantCulture, $"The database has {tables} tables but is not an AgentOs store (application_id is 0)"));
        }
    }

    private static SchemaVersion Apply(AgentOsStore store, SqliteConnection connection, Migration migration)
    {
        // BEGIN IMMEDIATE: several processes opening a fresh database queue here, and each re-reads what is applied inside the lock.
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, CreateVersionTable);

        EnsureNotNewer(store, NewestApplied(connection, transaction));
        var recorded = RecordedChecksum(connection, transaction, migration.Version);
        if (recorded is not null)
        {
            EnsureSameScript(store, migration, recorded);
            transaction.Rollback();
            return migration.Version;
        }

        // The script, its schema_version row and the header fields commit together: a crash leaves all or nothing.
        Execute(connection, transaction, migration.Sql);
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO schema_version (version, major, minor, description, checksum, applied_at_ms)
                VALUES ($version, $major, $minor, $description, $checksum, $applied)
                """;
            insert.Parameters.AddWithValue("$version", migration.Version.ToString());
            insert.Parameters.AddWithValue("$major", migration.Version.Major);
            insert.Parameters.AddWithValue("$minor", migration.Version.Minor);
            insert.Parameters.AddWithValue("$description", migration.Description);
            insert.Parameters.AddWithValue("$checksum", migration.Checksum);
            insert.Parameters.AddWithValue("$applied", store.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        Execute(
            connection,
            transaction,
            string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA application_id = {StoreSchema.ApplicationId}; PRAGMA user_version = {(migration.Version.Major * 1000) + migration.Version.Minor};"));
        transaction.Commit();
        return migration.Version;
    }

    private static bool IsUpToDate(AgentOsStore store, SqliteConnection connection)
    {
        using var snapshot = connection.BeginTransaction(deferred: true);
        if (Scalar<long>(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'") == 0)
        {
            return false;
        }

        EnsureNotNewer(store, NewestApplied(connection, snapshot));
        var upToDate = true;
        foreach (var migration in Migration.All)
        {
            var recorded = RecordedChecksum(connection, snapshot, migration.Version);
            if (recorded is null)
            {
                upToDate = false;
            }
            else
            {
                EnsureSameScript(store, migration, recorded);
            }
        }

        return upToDate;
    }

    private static void EnsureNotNewer(AgentOsStore store, SchemaVersion? newest)
    {
        if (newest is { } version && version > StoreSchema.CurrentVersion)
        {
            throw new StoreException(
                store.DatabasePath,
                $"The database is at schema {version}, newer than {StoreSchema.CurrentVersion} which this build of AgentOs.Sdk knows; use a newer build");
        }
    }

    private static void EnsureSameScript(AgentOsStore store, Migration migration, string recordedChecksum)
    {
        if (!string.Equals(recordedChecksum, migration.Checksum, StringComparison.Ordinal))
        {
            throw new StoreException(
                store.DatabasePath,
                $"Schema {migration.Version} was applied from a different script (checksum {recordedChecksum}, this build has {migration.Checksum})");
        }
    }

    /// <summary>The newest applied version, by number (never by the time it was applied).</summary>
    internal static SchemaVersion? NewestApplied(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT major, minor FROM schema_version ORDER BY major DESC, minor DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? new SchemaVersion(reader.GetInt32(0), reader.GetInt32(1)) : null;
    }

    private static string? RecordedChecksum(SqliteConnection connection, SqliteTransaction? transaction, SchemaVersion version)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT checksum FROM schema_version WHERE major = $major AND minor = $minor";
        command.Parameters.AddWithValue("$major", version.Major);
        command.Parameters.AddWithValue("$minor", version.Minor);
        return command.ExecuteScalar() as string;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }
}
