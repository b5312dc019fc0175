using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Storage;

/// <summary>
/// Migrations on every provider: the same version numbers and <c>schema_version</c> table, applied once however many hosts
/// open a fresh database at once, and refused for a newer schema, a changed script or a database of another application.
/// </summary>
public abstract class MigrationTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private const string FutureVersion = "INSERT INTO schema_version VALUES ('99.1', 99, 1, 'from the future', 'x', 0)";

    protected override bool StartsEmpty => true;

    [ConformanceFact]
    public async Task A_fresh_database_gets_every_recovery_table_and_one_schema_version_row_per_script_with_its_checksum()
    {
        var store = Database.Open();

        Assert.Equal(StoreSchema.CurrentVersion, store.SchemaVersion);
        Assert.Equal(Migration.All.Select(m => m.Version), Database.Migrations.Select(m => m.Version));
        var tables = await Database.TablesAsync();
        Assert.All(StoreSchema.RecoveryTables, table => Assert.Contains(table, tables));
        Assert.Equal(Database.Migrations.Count, await Database.ScalarAsync<long>("SELECT count(*) FROM schema_version"));
        foreach (var migration in Database.Migrations)
        {
            Assert.Equal(migration.Checksum, await Database.ScalarAsync<string>($"SELECT checksum FROM schema_version WHERE version = '{migration.Version}'"));
        }
    }

    [ConformanceFact]
    public async Task Reopening_an_up_to_date_store_applies_nothing_again()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 29, 0, 0, 0, TimeSpan.Zero));
        Database.Open(o => o.TimeProvider = clock).Dispose();
        var applied = await Database.ColumnAsync("SELECT version || ' ' || applied_at_ms FROM schema_version ORDER BY version");

        clock.Advance(TimeSpan.FromDays(1));
        Database.Open(o => o.TimeProvider = clock);

        Assert.Equal(applied, await Database.ColumnAsync("SELECT version || ' ' || applied_at_ms FROM schema_version ORDER BY version"));
    }

    [ConformanceFact]
    public async Task Eight_hosts_opening_a_fresh_database_at_once_migrate_it_exactly_once()
    {
        using var start = new Barrier(8);
        var versions = new SchemaVersion?[8];
        var errors = new Exception?[8];
        // Dedicated threads, not the thread pool: a barrier of 8 on a 2-core pool waits for thread injection.
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                // Each opener is a store of its own, without a shared pool, as separate processes or machines would be.
                versions[i] = Database.Open(o => o.Pooling = false).SchemaVersion;
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.All(errors, e => Assert.Null(e));
        Assert.All(versions, v => Assert.Equal(StoreSchema.CurrentVersion, v));
        Assert.Equal(Database.Migrations.Count, await Database.ScalarAsync<long>("SELECT count(*) FROM schema_version"));
        Assert.Equal(Database.Migrations.Count, await Database.ScalarAsync<long>("SELECT count(DISTINCT version) FROM schema_version"));
    }

    [ConformanceFact]
    public async Task A_schema_newer_than_the_build_is_refused_naming_both_versions_and_the_store()
    {
        Database.Open().Dispose();
        await Database.ExecuteAsync(FutureVersion);

        var error = Assert.Throws<StoreException>(() => AgentOsStore.Open(Database.CreateOptions()));

        Assert.Contains($"The database is at schema 99.1, newer than {StoreSchema.CurrentVersion}", error.Message, StringComparison.Ordinal);
        Assert.Contains(Database.Location, error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task A_changed_script_is_refused_naming_the_version_and_both_checksums()
    {
        Database.Open().Dispose();
        await Database.ExecuteAsync("UPDATE schema_version SET checksum = 'abc' WHERE version = '0.24'");

        var error = Assert.Throws<StoreException>(() => AgentOsStore.Open(Database.CreateOptions()));

        Assert.Contains(
            $"Schema 0.24 was applied from a different script (checksum abc, this build has {Database.Migrations[0].Checksum})",
            error.Message,
            StringComparison.Ordinal);
        Assert.Contains(Database.Location, error.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task A_database_of_another_application_is_refused_and_left_as_it_was()
    {
        await Database.ExecuteAsync("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE orders (id INTEGER)");
        await Database.ExecuteAsync("INSERT INTO customers (id, name) VALUES (1, 'Ada')");

        var error = Assert.Throws<StoreException>(() => AgentOsStore.Open(Database.CreateOptions()));

        Assert.Contains("The database has 2 tables", error.Message, StringComparison.Ordinal);
        Assert.Contains("not an AgentOs store", error.Message, StringComparison.Ordinal);
        Assert.Contains(Database.Location, error.Message, StringComparison.Ordinal);
        Assert.Equal(["customers", "orders"], await Database.TablesAsync());
        Assert.Equal("Ada", await Database.ScalarAsync<string>("SELECT name FROM customers"));
    }

    [ConformanceFact]
    public async Task CreateIfMissing_false_refuses_an_empty_database_and_creates_nothing()
    {
        var error = Assert.Throws<StoreException>(() => AgentOsStore.Open(Database.CreateOptions(o => o.CreateIfMissing = false)));

        Assert.Contains("CreateIfMissing is false", error.Message, StringComparison.Ordinal);
        Assert.Contains(Database.Location, error.Message, StringComparison.Ordinal);
        Assert.Empty(await Database.TablesAsync());
    }
}

public sealed class MigrationTests_Sqlite(SqliteProvider provider) : MigrationTests<SqliteProvider>(provider);

public sealed class MigrationTests_PostgreSql(PostgreSqlProvider provider) : MigrationTests<PostgreSqlProvider>(provider);
