using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// The public API on PostgreSQL only: <see cref="AgentOsStore.Open(StoreOptions)"/> with <c>UsePostgreSql</c> and the clock rule.
/// What must hold on both providers (leases, the queue...) is in the conformance suite (<c>Conformance/README.md</c>).
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class AgentOsStoreOnPostgreSqlTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    [PostgresFact]
    public async Task Opening_with_UsePostgreSql_migrates_and_names_the_store_by_its_endpoint()
    {
        var connectionString = await server.CreateDatabaseAsync("store");

        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));

        Assert.True(store.IsPostgreSql());
        Assert.Equal(StoreSchema.CurrentVersion, store.SchemaVersion);
        Assert.StartsWith("postgresql://", store.Location, StringComparison.Ordinal);
        Assert.Equal(store.Location, store.DatabasePath);
        Assert.Equal(1L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM schema_version"));
    }

    [PostgresFact]
    public async Task ExecuteWrite_runs_on_the_servers_clock_by_default_and_on_the_callers_when_opted_in()
    {
        var connectionString = await server.CreateDatabaseAsync("store");
        var past = new FakeTimeProvider(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var serverClock = AgentOsStore.Open(new StoreOptions { TimeProvider = past }.UsePostgreSql(connectionString));
        using var callerClock = AgentOsStore.Open(new StoreOptions { TimeProvider = past }.UsePostgreSql(connectionString, o => o.UseServerClock = false));

        var byServer = serverClock.ExecuteWrite(tx => tx.UtcNow);
        var byCaller = callerClock.ExecuteWrite(tx => tx.UtcNow);

        Assert.InRange(byServer, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal(past.GetUtcNow(), byCaller);
    }
}
