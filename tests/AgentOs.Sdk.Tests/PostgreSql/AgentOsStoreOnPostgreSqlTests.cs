using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>The public API on PostgreSQL: <see cref="AgentOsStore.Open(StoreOptions)"/> with <c>UsePostgreSql</c>, and the modules on the provider seam.</summary>
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

    [PostgresFact]
    public async Task A_lease_is_acquired_renewed_fenced_and_released_and_a_zombie_is_refused()
    {
        var connectionString = await server.CreateDatabaseAsync("store");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString, o => o.UseServerClock = false));
        var item = new WorkQueue(store, clock).Enqueue("job", "{}");
        var a = new LeaseManager(store, "worker-a", clock);
        var b = new LeaseManager(store, "worker-b", clock);

        var lease = a.TryAcquire(item.Id, TimeSpan.FromMinutes(1))!;
        Assert.Null(b.TryAcquire(item.Id, TimeSpan.FromMinutes(1)));
        lease = a.Renew(lease, TimeSpan.FromMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(2));
        var taken = b.TryAcquire(item.Id, TimeSpan.FromMinutes(1))!;

        Assert.Equal(lease.Epoch + 1, taken.Epoch);
        Assert.Throws<LeaseLostException>(() => a.ExecuteFenced(lease, tx => tx.CreateCommand("UPDATE work_items SET output = 'zombie'").ExecuteNonQuery()));
        b.ExecuteFenced(taken, tx => tx.CreateCommand("UPDATE work_items SET output = 'owner'").ExecuteNonQuery());
        Assert.Equal(WorkItemStatus.Succeeded, b.Release(taken, success: true, output: "done"));
        Assert.Equal("done", await AdminSql.ScalarAsync<string>(connectionString, "SELECT output FROM work_items"));
    }

    [PostgresFact]
    public async Task Four_hosts_draining_one_queue_through_LeaseManager_claim_each_item_once()
    {
        const int Items = 200;
        var connectionString = await server.CreateDatabaseAsync("store");
        using (var setup = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString)))
        {
            new WorkQueue(setup).EnqueueRange(Enumerable.Range(0, Items).Select(i => new WorkItemRequest("job", null)));
        }

        var claimed = await Task.WhenAll(Enumerable.Range(0, 4).Select(h => Task.Run(async () =>
        {
            using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
            var leases = new LeaseManager(store, $"host-{h}");
            var mine = new List<string>();
            while (await leases.TryAcquireNextAsync("job", TimeSpan.FromMinutes(1)) is { } lease)
            {
                mine.Add(lease.WorkItemId);
                await leases.ReleaseAsync(lease, success: true);
            }

            return mine;
        })));

        var all = claimed.SelectMany(c => c).ToList();
        Assert.Equal(Items, all.Distinct().Count());
        Assert.Equal(Items, all.Count);
        Assert.Equal((long)Items, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM work_items WHERE status = 'succeeded' AND attempts = 1"));
    }
}
