using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// What only PostgreSQL's migrations have; what both providers share (versions, once under concurrent opens, refusals) is
/// <c>Storage/MigrationTests</c>.
/// </summary>
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
    public async Task A_foreign_schema_version_table_is_refused()
    {
        var connectionString = await server.CreateDatabaseAsync("migration");
        await AdminSql.ExecuteAsync(connectionString, "CREATE TABLE schema_version (version int)");

        var error = await Assert.ThrowsAsync<StoreException>(async () => await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(connectionString)));

        Assert.Contains("belongs to another application", error.Message, StringComparison.Ordinal);
    }
}
