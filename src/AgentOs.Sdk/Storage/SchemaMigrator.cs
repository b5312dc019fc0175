using System.Data.Common;
using System.Globalization;

namespace AgentOs.Sdk.Storage;

/// <summary>
/// Brings a store to the newest schema its provider's scripts reach, by the same rules on every provider: a database of
/// another application is refused before anything is written to it, a schema newer than the build is refused, a version
/// applied from a different script is refused, and each script commits together with its <c>schema_version</c> row.
/// </summary>
/// <remarks>
/// It runs on the store's own unit of work. Several processes or hosts opening a fresh database at once queue on the
/// write transaction's lock (SQLite's <c>BEGIN IMMEDIATE</c>, PostgreSQL's advisory lock taken by the provider) and each
/// re-reads what is applied inside it, so every script runs exactly once.
/// </remarks>
internal static class SchemaMigrator
{
    /// <summary>The newest applied version, by number (never by the time it was applied).</summary>
    internal const string NewestAppliedSql = "SELECT major, minor FROM schema_version ORDER BY major DESC, minor DESC LIMIT 1";

    private const string RecordedSql = "SELECT major, minor, checksum FROM schema_version";

    private const string RecordSql = """
        INSERT INTO schema_version (version, major, minor, description, checksum, applied_at_ms)
        VALUES (@version, @major, @minor, @description, @checksum, @applied)
        """;

    /// <summary>Applies every pending migration of <paramref name="store"/>'s provider; returns the version reached.</summary>
    /// <exception cref="StoreException">The database belongs to another application, is newer than this build, was migrated by a changed script, or has no schema and <see cref="StoreOptions.CreateIfMissing"/> is false.</exception>
    public static async ValueTask<SchemaVersion> MigrateAsync(AgentOsStore store, bool async, CancellationToken cancellationToken)
    {
        var migrations = store.Provider.Migrations;
        var clock = store.Options.TimeProvider;

        // The common case, a store already at the current version, only reads one snapshot: many processes opening a busy
        // store must not queue for its write lock just to find that nothing is pending.
        Func<StoreTransaction, ValueTask<Dictionary<SchemaVersion, string>>> read = async tx =>
        {
            await tx.Store.Provider.EnsureOursAsync(tx).ConfigureAwait(false);
            return await ReadRecordedAsync(tx, migrations).ConfigureAwait(false);
        };
        var recorded = async
            ? await store.ReadAsync("read the schema version", clock, read, snapshot: true, cancellationToken).ConfigureAwait(false)
            : store.Read("read the schema version", clock, read, snapshot: true, cancellationToken);
        if (migrations.All(migration => recorded.ContainsKey(migration.Version)))
        {
            return migrations[^1].Version;
        }

        if (recorded.Count == 0 && !store.Options.CreateIfMissing)
        {
            throw new StoreException(store.Location, "The database has no AgentOs schema yet and CreateIfMissing is false");
        }

        foreach (var migration in migrations)
        {
            var doing = string.Create(CultureInfo.InvariantCulture, $"apply schema migration {migration.Version} ({migration.Description})");
            Func<StoreTransaction, ValueTask<bool>> apply = tx => ApplyAsync(tx, migration, migrations);
            _ = async
                ? await store.WriteAsync(doing, clock, apply, cancellationToken: cancellationToken).ConfigureAwait(false)
                : store.Write(doing, clock, apply, cancellationToken: cancellationToken);
        }

        return migrations[^1].Version;
    }

    /// <summary>The newest version recorded in <c>schema_version</c>, or null when it is empty.</summary>
    internal static SchemaVersion? NewestApplied(DbConnection connection, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = NewestAppliedSql;
        using var reader = command.ExecuteReader();
        return reader.Read() ? new SchemaVersion(reader.GetInt32(0), reader.GetInt32(1)) : null;
    }

    // One migration, inside the write transaction: false when another process applied it first.
    private static async ValueTask<bool> ApplyAsync(StoreTransaction tx, Migration migration, IReadOnlyList<Migration> migrations)
    {
        var provider = tx.Store.Provider;
        await provider.LockForMigrationAsync(tx).ConfigureAwait(false);
        await provider.EnsureOursAsync(tx).ConfigureAwait(false);
        await ExecuteAsync(tx, provider.Dialect.SchemaVersionTableSql).ConfigureAwait(false);
        var recorded = await ReadRecordedAsync(tx, migrations).ConfigureAwait(false);
        if (recorded.ContainsKey(migration.Version))
        {
            return false;
        }

        // The script, its schema_version row and whatever the provider stamps commit together: a crash leaves all or nothing.
        await ExecuteAsync(tx, migration.Sql).ConfigureAwait(false);
        using (var record = tx.CreateCommand(RecordSql))
        {
            record.SetParameter("@version", migration.Version.ToString());
            record.SetParameter("@major", migration.Version.Major);
            record.SetParameter("@minor", migration.Version.Minor);
            record.SetParameter("@description", migration.Description);
            record.SetParameter("@checksum", migration.Checksum);
            record.SetParameter("@applied", tx.UtcNowMilliseconds);
            await tx.ExecuteAsync(record).ConfigureAwait(false);
        }

        if (provider.AfterMigrationSql(migration.Version) is { } stamp)
        {
            await ExecuteAsync(tx, stamp).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Every recorded version with its checksum (empty when there is no <c>schema_version</c> table), after the rules that refuse newer or changed schemas.</summary>
    private static async ValueTask<Dictionary<SchemaVersion, string>> ReadRecordedAsync(StoreTransaction tx, IReadOnlyList<Migration> migrations)
    {
        var recorded = new Dictionary<SchemaVersion, string>();
        using (var find = tx.CreateCommand(tx.Store.Provider.Dialect.FindTableSql))
        {
            find.SetParameter("@name", "schema_version");
            if (await tx.ScalarAsync(find).ConfigureAwait(false) is not string)
            {
                return recorded;
            }
        }

        using (var read = tx.CreateCommand(RecordedSql))
        {
            var reader = await tx.ReaderAsync(read).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await tx.ReadAsync(reader).ConfigureAwait(false))
                {
                    recorded[new SchemaVersion(reader.GetInt32(0), reader.GetInt32(1))] = reader.GetString(2);
                }
            }
        }

        var known = migrations[^1].Version;
        if (recorded.Count != 0 && recorded.Keys.Max() is var newest && newest > known)
        {
            throw new StoreException(
                tx.Store.Location,
                $"The database is at schema {newest}, newer than {known} which this build of AgentOs.Sdk knows; use a newer build");
        }

        foreach (var migration in migrations)
        {
            if (recorded.TryGetValue(migration.Version, out var checksum) && !string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
            {
                throw new StoreException(
                    tx.Store.Location,
                    $"Schema {migration.Version} was applied from a different script (checksum {checksum}, this build has {migration.Checksum})");
            }
        }

        return recorded;
    }

    private static async ValueTask ExecuteAsync(StoreTransaction tx, string sql)
    {
        using var command = tx.CreateCommand(sql);
        await tx.ExecuteAsync(command).ConfigureAwait(false);
    }
}
