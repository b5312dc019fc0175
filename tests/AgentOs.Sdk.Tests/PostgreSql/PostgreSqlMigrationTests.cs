using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlMigrationTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public void The_postgresql_scripts_have_the_same_versions_as_the_sqlite_ones()
    {
        Assert.Equal(Migration.All.Select(m => m.Version), PostgreSqlMigrations.All.Select(m => m.Version));
        Assert.Equal(Migration.All.Select(m => m.Description), PostgreSqlMigrations.All.Select(m => m.Description));
    }

    [PostgresFact]
    public async Task A_fresh_database_gets_every_table_and_one_schema_version_row_per_script()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        var (database, version) = await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None);
        await using (database)
        {
            Assert.Equal(StoreSchema.CurrentVersion, version);
        }

        foreach (var table in StoreSchema.RecoveryTables)
        {
            Assert.True(await AdminSql.ScalarAsync<bool>(connectionString, $"SELECT to_regclass('{table}') IS NOT NULL"), table);
        }

        Assert.Equal(
            PostgreSqlMigrations.All.Count,
            await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM schema_version"));
        var checksum = await AdminSql.ScalarAsync<string>(connectionString, "SELECT checksum FROM schema_version WHERE version = '0.24'");
        Assert.Equal(PostgreSqlMigrations.All[0].Checksum, checksum);
    }

    [PostgresFact]
    public async Task Eight_hosts_opening_one_fresh_database_at_once_migrate_it_exactly_once()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        using var start = new ManualResetEventSlim();
        var opens = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            // Each "host" has its own data source, so its own pool and connections.
            var (database, version) = await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None);
            await database.DisposeAsync();
            return version;
        })).ToList();
        start.Set();

        var versions = await Task.WhenAll(opens);
        Assert.All(versions, v => Assert.Equal(StoreSchema.CurrentVersion, v));
        Assert.Equal(
            PostgreSqlMigrations.All.Count,
            await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM schema_version"));
    }

    [PostgresFact]
    public async Task Reopening_an_up_to_date_store_changes_nothing()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        (await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None)).Database.Dispose();
        var applied = await AdminSql.ScalarAsync<long>(connectionString, "SELECT applied_at_ms FROM schema_version");

        (await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None)).Database.Dispose();

        Assert.Equal(applied, await AdminSql.ScalarAsync<long>(connectionString, "SELECT applied_at_ms FROM schema_version"));
    }

    [PostgresFact]
    public async Task A_schema_newer_than_the_build_is_refused_naming_host_and_database()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        (await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None)).Database.Dispose();
        await AdminSql.ExecuteAsync(
            connectionString,
            "INSERT INTO schema_version VALUES ('99.1', 99, 1, 'from the future', 'x', 0)");

        var error = await Assert.ThrowsAsync<StoreException>(() => PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None));

        Assert.Contains("schema 99.1, newer than", error.Message, StringComparison.Ordinal);
        AssertNamesEndpoint(connectionString, error);
    }

    [PostgresFact]
    public async Task A_changed_script_is_refused()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        (await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None)).Database.Dispose();
        await AdminSql.ExecuteAsync(connectionString, "UPDATE schema_version SET checksum = 'abc' WHERE version = '0.24'");

        var error = await Assert.ThrowsAsync<StoreException>(() => PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None));

        Assert.Contains("applied from a different script (checksum abc", error.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_database_of_another_application_is_refused_and_left_untouched()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        await AdminSql.ExecuteAsync(connectionString, "CREATE TABLE customers (id int PRIMARY KEY); CREATE TABLE orders (id int)");

        var error = await Assert.ThrowsAsync<StoreException>(() => PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None));

        Assert.Contains("2 tables (customers, orders) but no schema_version table", error.Message, StringComparison.Ordinal);
        AssertNamesEndpoint(connectionString, error);
        Assert.Equal(
            2L,
            await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
    }

    [PostgresFact]
    public async Task A_foreign_schema_version_table_is_refused()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        await AdminSql.ExecuteAsync(connectionString, "CREATE TABLE schema_version (version int)");

        var error = await Assert.ThrowsAsync<StoreException>(() => PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None));

        Assert.Contains("belongs to another application", error.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task CreateIfMissing_false_refuses_an_empty_database_without_creating_tables()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");

        var error = await Assert.ThrowsAsync<StoreException>(
            () => PostgreSqlDatabase.OpenAsync(connectionString, new PostgreSqlStoreOptions { CreateIfMissing = false }, CancellationToken.None));

        Assert.Contains("CreateIfMissing is false", error.Message, StringComparison.Ordinal);
        Assert.False(await AdminSql.ScalarAsync<bool>(connectionString, "SELECT to_regclass('schema_version') IS NOT NULL"));
    }

    internal static void AssertNamesEndpoint(string connectionString, StoreException error)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.Contains(builder.Host!, error.Message, StringComparison.Ordinal);
        Assert.Contains(builder.Database!, error.Message, StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(builder.Password))
        {
            Assert.DoesNotContain(builder.Password, error.ToString(), StringComparison.Ordinal);
        }
    }
}
