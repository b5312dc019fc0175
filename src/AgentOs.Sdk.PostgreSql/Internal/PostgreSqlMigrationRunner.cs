using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>
/// Brings a PostgreSQL database to the newest schema, one migration per transaction. Each transaction first takes a
/// transaction-scoped advisory lock, so several hosts opening a fresh database at once queue there, and each re-reads
/// what is applied inside the lock: every script runs exactly once.
/// </summary>
internal static class PostgreSqlMigrationRunner
{
    // pg_advisory_xact_lock(int, int): the store's application id ("AgOS", as SQLite's application_id) and a slot for migrations.
    private const string LockSql = "SELECT pg_advisory_xact_lock(1097289555, 1)";

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version       TEXT    NOT NULL PRIMARY KEY,
            major         INTEGER NOT NULL,
            minor         INTEGER NOT NULL,
            description   TEXT    NOT NULL,
            checksum      TEXT    NOT NULL,
            applied_at_ms BIGINT  NOT NULL,
            UNIQUE (major, minor)
        )
        """;

    // Tables of the connection's first schema on the search path, where the store's tables are created.
    private const string TablesSql = """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        ORDER BY table_name
        """;

    private const string VersionColumnsSql = """
        SELECT count(*) FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'schema_version'
          AND column_name IN ('version', 'major', 'minor', 'description', 'checksum', 'applied_at_ms')
        """;

    public static async Task<SchemaVersion> MigrateAsync(PostgreSqlDatabase database, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                // The common case, a store already at the current version, only reads and takes no lock.
                var upToDate = await ReadStateAsync(database, connection, migrations, cancellationToken).ConfigureAwait(false);
                if (upToDate is { } current)
                {
                    return current;
                }

                if (!database.Options.CreateIfMissing)
                {
                    throw new StoreException(database.Endpoint.ToString(), "The database has no AgentOs schema yet and CreateIfMissing is false");
                }

                var applied = default(SchemaVersion);
                foreach (var migration in migrations)
                {
                    applied = await ApplyAsync(database, connection, migration, cancellationToken).ConfigureAwait(false);
                }

                return applied;
            }
            catch (NpgsqlException ex)
            {
                throw database.Failure(ex, "migrate the database");
            }
        }
    }

    /// <summary>The current version when every migration is applied; null when some are pending. Refuses foreign, newer or changed schemas.</summary>
    private static async Task<SchemaVersion?> ReadStateAsync(
        PostgreSqlDatabase database, NpgsqlConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        // One snapshot: another host may finish migrating between the reads.
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await EnsureOursAsync(database, connection, transaction, cancellationToken).ConfigureAwait(false);
            var recorded = await RecordedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            EnsureNotNewer(database, recorded, migrations);
            var upToDate = true;
            foreach (var migration in migrations)
            {
                if (recorded.TryGetValue(migration.Version, out var checksum))
                {
                    EnsureSameScript(database, migration, checksum);
                }
                else
                {
                    upToDate = false;
                }
            }

            return upToDate ? migrations[^1].Version : null;
        }
    }

    private static async Task<SchemaVersion> ApplyAsync(
        PostgreSqlDatabase database, NpgsqlConnection connection, Migration migration, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            // Held until commit or rollback: a second host opening the same fresh database waits here, then sees the rows.
            await ExecuteAsync(connection, transaction, LockSql, cancellationToken).ConfigureAwait(false);
            await EnsureOursAsync(database, connection, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, transaction, CreateVersionTable, cancellationToken).ConfigureAwait(false);

            var recorded = await RecordedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            EnsureNotNewer(database, recorded, PostgreSqlMigrations.All);
            if (recorded.TryGetValue(migration.Version, out var checksum))
            {
                EnsureSameScript(database, migration, checksum);
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return migration.Version;
            }

            // The script and its schema_version row commit together: a crash leaves all or nothing (DDL is transactional).
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
            var now = await PostgreSqlDatabase.ServerNowAsync(connection, transaction, async: true, cancellationToken).ConfigureAwait(false);
            await using (var insert = new NpgsqlCommand(
                """
                INSERT INTO schema_version (version, major, minor, description, checksum, applied_at_ms)
                VALUES (@version, @major, @minor, @description, @checksum, @applied)
                """,
                connection,
                transaction))
            {
                insert.Parameters.AddWithValue("version", migration.Version.ToString());
                insert.Parameters.AddWithValue("major", migration.Version.Major);
                insert.Parameters.AddWithValue("minor", migration.Version.Minor);
                insert.Parameters.AddWithValue("description", migration.Description);
                insert.Parameters.AddWithValue("checksum", migration.Checksum);
                insert.Parameters.AddWithValue("applied", now);
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return migration.Version;
        }
    }

    // A database of another application must never be "migrated" into ours: refuse it before writing anything.
    private static async Task EnsureOursAsync(
        PostgreSqlDatabase database, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var tables = new List<string>();
        await using (var command = new NpgsqlCommand(TablesSql, connection, transaction))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tables.Add(reader.GetString(0));
                }
            }
        }

        if (tables.Contains("schema_version"))
        {
            await using var columns = new NpgsqlCommand(VersionColumnsSql, connection, transaction);
            var count = (long)(await columns.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (count != 6)
            {
                throw new StoreException(
                    database.Endpoint.ToString(),
                    "The database belongs to another application: its schema_version table does not have the AgentOs columns");
            }

            return;
        }

        if (tables.Count != 0)
        {
            var shown = string.Join(", ", tables.Take(5)) + (tables.Count > 5 ? ", ..." : string.Empty);
            throw new StoreException(
                database.Endpoint.ToString(),
                $"The database has {tables.Count} tables ({shown}) but no schema_version table: it is not an AgentOs store; use an empty database or schema");
        }
    }

    private static async Task<Dictionary<SchemaVersion, string>> RecordedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var recorded = new Dictionary<SchemaVersion, string>();
        await using var check = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection, transaction);
        if (!(bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            return recorded;
        }

        await using var command = new NpgsqlCommand("SELECT major, minor, checksum FROM schema_version", connection, transaction);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                recorded[new SchemaVersion(reader.GetInt32(0), reader.GetInt32(1))] = reader.GetString(2);
            }
        }

        return recorded;
    }

    private static void EnsureNotNewer(PostgreSqlDatabase database, Dictionary<SchemaVersion, string> recorded, IReadOnlyList<Migration> migrations)
    {
        if (recorded.Count == 0)
        {
            return;
        }

        var newest = recorded.Keys.Max();
        var known = migrations[^1].Version;
        if (newest > known)
        {
            throw new StoreException(
                database.Endpoint.ToString(),
                $"The database is at schema {newest}, newer than {known} which this build of AgentOs.Sdk.PostgreSql knows; use a newer build");
        }
    }

    private static void EnsureSameScript(PostgreSqlDatabase database, Migration migration, string recordedChecksum)
    {
        if (!string.Equals(recordedChecksum, migration.Checksum, StringComparison.Ordinal))
        {
            throw new StoreException(
                database.Endpoint.ToString(),
                $"Schema {migration.Version} was applied from a different script (checksum {recordedChecksum}, this build has {migration.Checksum})");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
