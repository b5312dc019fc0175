using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>
/// What migrating a PostgreSQL database needs beyond the rules every provider shares (<see cref="SchemaMigrator"/>): the
/// scripts embedded in this assembly (the same versions as SQLite's, each with its own checksum), the advisory lock that
/// queues hosts migrating one database at once, and the check that the database is not another application's.
/// </summary>
internal static class PostgreSqlMigrations
{
    private const string ResourcePrefix = "AgentOs.Sdk.PostgreSql.Migrations.";

    // pg_advisory_xact_lock(int, int): the store's application id ("AgOS", as SQLite's application_id) and a slot for migrations.
    private const string LockSql = "SELECT pg_advisory_xact_lock(1097289555, 1)";

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

    /// <summary>Every PostgreSQL migration, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } = Migration.LoadEmbedded(typeof(PostgreSqlMigrations).Assembly, ResourcePrefix);

    /// <summary>The newest version the PostgreSQL scripts reach.</summary>
    public static SchemaVersion CurrentVersion => All[^1].Version;

    /// <summary>
    /// Held until the migration's transaction ends: a second host opening the same fresh database waits here, then sees
    /// the first one's rows.
    /// </summary>
    public static async ValueTask LockAsync(StoreTransaction transaction)
    {
        using var command = transaction.CreateCommand(LockSql);
        await transaction.ExecuteAsync(command).ConfigureAwait(false);
    }

    /// <summary>Refuses a database of another application: tables but no <c>schema_version</c>, or one without the store's columns.</summary>
    public static async ValueTask EnsureOursAsync(StoreTransaction transaction)
    {
        var tables = new List<string>();
        using (var command = transaction.CreateCommand(TablesSql))
        {
            var reader = await transaction.ReaderAsync(command).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await transaction.ReadAsync(reader).ConfigureAwait(false))
                {
                    tables.Add(reader.GetString(0));
                }
            }
        }

        if (tables.Contains("schema_version"))
        {
            using var columns = transaction.CreateCommand(VersionColumnsSql);
            if (Convert.ToInt64(await transaction.ScalarAsync(columns).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 6)
            {
                throw new StoreException(
                    transaction.Store.Location,
                    "The database belongs to another application: its schema_version table does not have the AgentOs columns");
            }

            return;
        }

        if (tables.Count != 0)
        {
            var shown = string.Join(", ", tables.Take(5)) + (tables.Count > 5 ? ", ..." : string.Empty);
            throw new StoreException(
                transaction.Store.Location,
                $"The database has {tables.Count} tables ({shown}) but no schema_version table: it is not an AgentOs store; use an empty database or schema");
        }
    }
}
