using System.Collections.Concurrent;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Tests.Shared;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Leases, the queue and the sweep on PostgreSQL with several hosts: the server's clock judges expiry, SKIP LOCKED keeps
/// claimers apart, the fence refuses a zombie, and concurrent sweeps recover each lease once.
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlLeaseTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [PostgresFact]
    public async Task A_host_whose_clock_is_minutes_fast_cannot_take_over_a_valid_lease_by_default()
    {
        var connectionString = await MigratedAsync();
        await using var hostA = await HostAsync(connectionString);
        // Host B's own clock is ten minutes ahead. With the default rule its clock is not asked: the server's is.
        var fastClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var hostB = await HostAsync(connectionString);
        await new PostgreSqlLeases(hostA.Database).EnqueueAsync("item-1", "k");

        var held = await new PostgreSqlLeases(hostA.Database).TryAcquireAsync("worker-a", "item-1", Minute);
        var stolen = await new PostgreSqlLeases(hostB.Database, fastClock).TryAcquireAsync("worker-b", "item-1", Minute);

        Assert.NotNull(held);
        Assert.Null(stolen);
        Assert.True(hostB.Options.UseServerClock);
        Assert.True(fastClock.GetUtcNow() > DateTimeOffset.UtcNow.AddMinutes(9));
        // The lease's expiry is on the server's clock: about a minute from the server's now.
        var serverNow = await AdminSql.ScalarAsync<long>(connectionString, "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
        Assert.InRange(held.ExpiresAtMs - serverNow, 50_000, 60_000);
    }

    [PostgresFact]
    public async Task A_host_that_opts_into_its_own_fast_clock_would_steal_the_lease_which_is_why_the_server_clock_is_the_default()
    {
        var connectionString = await MigratedAsync();
        await using var hostA = await HostAsync(connectionString);
        var fastClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        await using var skewed = await HostAsync(connectionString, useServerClock: false);
        await new PostgreSqlLeases(hostA.Database).EnqueueAsync("item-1", "k");

        var held = await new PostgreSqlLeases(hostA.Database).TryAcquireAsync("worker-a", "item-1", Minute);
        var stolen = await new PostgreSqlLeases(skewed.Database, fastClock).TryAcquireAsync("worker-b", "item-1", Minute);

        Assert.NotNull(held);
        Assert.NotNull(stolen);
        Assert.Equal(held.Epoch + 1, stolen.Epoch);
    }

    [PostgresFact]
    public async Task A_host_whose_clock_is_minutes_slow_still_takes_over_a_lease_that_expired_on_the_server()
    {
        var connectionString = await MigratedAsync();
        await using var hostA = await HostAsync(connectionString);
        await using var hostB = await HostAsync(connectionString);
        var leasesA = new PostgreSqlLeases(hostA.Database);
        var leasesB = new PostgreSqlLeases(hostB.Database);
        await leasesA.EnqueueAsync("item-1", "k");
        var zombie = (await leasesA.TryAcquireAsync("worker-a", "item-1", Minute))!;
        // Worker A stops heartbeating; its lease runs out on the server's clock (moved back here instead of waiting a minute).
        await AdminSql.ExecuteAsync(connectionString, "UPDATE work_items SET lease_expires_at_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1");

        var taken = await leasesB.TryAcquireNextAsync("worker-b", "k", Minute);
        var zombieWrote = await leasesA.ExecuteFencedAsync(zombie, (c, t, ct) => InsertAuditAsync(c, t, "zombie", ct));
        var zombieRenewed = await leasesA.RenewAsync(zombie, Minute);
        var zombieReleased = await leasesA.ReleaseAsync(zombie, success: true, output: "late");
        var ownerWrote = await leasesB.ExecuteFencedAsync(taken!, (c, t, ct) => InsertAuditAsync(c, t, "owner", ct));

        Assert.NotNull(taken);
        Assert.Equal(zombie.Epoch + 1, taken.Epoch);
        Assert.False(zombieWrote);
        Assert.Null(zombieRenewed);
        Assert.Null(zombieReleased);
        Assert.True(ownerWrote);
        Assert.Equal("owner", await AdminSql.ScalarAsync<string>(connectionString, "SELECT string_agg(event_type, ',') FROM task_audits"));
        Assert.Equal("leased", await AdminSql.ScalarAsync<string>(connectionString, "SELECT status FROM work_items"));
    }

    [PostgresFact]
    public async Task Eight_hosts_claiming_at_once_never_claim_one_item_twice_and_finish_every_item()
    {
        const int Items = 400;
        var connectionString = await MigratedAsync();
        await using (var setup = await HostAsync(connectionString))
        {
            await AdminSql.ExecuteAsync(
                connectionString,
                $"INSERT INTO work_items (work_item_id, kind, created_at_ms, updated_at_ms) SELECT 'item-' || g, 'k', g, g FROM generate_series(1, {Items}) g");
        }

        var claims = new ConcurrentBag<(string Id, long Epoch, string Host)>();
        var hosts = Enumerable.Range(0, 8).Select(h => Task.Run(async () =>
        {
            await using var host = await HostAsync(connectionString);
            var leases = new PostgreSqlLeases(host.Database);
            while (await leases.TryAcquireNextAsync($"host-{h}", "k", Minute) is { } lease)
            {
                claims.Add((lease.WorkItemId, lease.Epoch, $"host-{h}"));
                Assert.Equal("succeeded", await leases.ReleaseAsync(lease, success: true, output: $"host-{h}"));
            }
        })).ToList();
        await Task.WhenAll(hosts);

        Assert.Equal(Items, claims.Count);
        Assert.Equal(Items, claims.Select(c => c.Id).Distinct().Count());
        Assert.All(claims, c => Assert.Equal(1, c.Epoch));
        Assert.True(claims.Select(c => c.Host).Distinct().Count() > 1, "the claims were spread over several hosts");
        Assert.Equal((long)Items, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM work_items WHERE status = 'succeeded' AND attempts = 1"));
    }

    [PostgresFact]
    public async Task Four_hosts_sweeping_at_once_recover_each_expired_lease_exactly_once()
    {
        const int Items = 1000;
        var connectionString = await MigratedAsync();
        // 1,000 leases that expired a minute ago on the server's clock; the last attempt of every tenth item fails it.
        await AdminSql.ExecuteAsync(
            connectionString,
            $"""
            INSERT INTO work_items (work_item_id, kind, status, lease_holder, lease_epoch, lease_expires_at_ms, attempts, max_attempts, created_at_ms, updated_at_ms)
            SELECT 'item-' || g, 'k', 'leased', 'dead-worker', 1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 60000,
                   CASE WHEN g % 10 = 0 THEN 3 ELSE 1 END, 3, g, g
            FROM generate_series(1, {Items}) g
            """);

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var host = await HostAsync(connectionString);
            return await new PostgreSqlLeases(host.Database).SweepAsync(batchSize: 50);
        })));

        Assert.Equal(900, sweeps.Sum(s => s.Requeued));
        Assert.Equal(100, sweeps.Sum(s => s.Failed));
        Assert.Equal(900L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM work_items WHERE status = 'pending' AND lease_holder IS NULL"));
        Assert.Equal(100L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM work_items WHERE status = 'failed' AND completed_at_ms IS NOT NULL"));
        Assert.Contains(
            "The lease of worker 'dead-worker' (epoch 1) expired on attempt 1 of 3; re-queued by the recovery sweep.",
            await AdminSql.ScalarAsync<string>(connectionString, "SELECT error FROM work_items WHERE work_item_id = 'item-1'"),
            StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_fenced_write_holds_off_a_takeover_until_it_commits()
    {
        var connectionString = await MigratedAsync();
        await using var hostA = await HostAsync(connectionString);
        await using var hostB = await HostAsync(connectionString);
        var leasesA = new PostgreSqlLeases(hostA.Database);
        await leasesA.EnqueueAsync("item-1", "k");
        var lease = (await leasesA.TryAcquireAsync("worker-a", "item-1", TimeSpan.FromMilliseconds(300)))!;
        using var inside = new SemaphoreSlim(0);
        using var letGo = new SemaphoreSlim(0);

        // Worker A's fenced write passes the check and is still running when its lease runs out.
        var write = leasesA.ExecuteFencedAsync(lease, async (c, t, ct) =>
        {
            await InsertAuditAsync(c, t, "a", ct);
            inside.Release();
            await letGo.WaitAsync(ct);
        });
        await inside.WaitAsync();
        // The lease runs out on the server's clock while the write is in flight.
        await AdminSql.ExecuteAsync(connectionString, "SELECT pg_sleep(0.4)");
        var takeover = new PostgreSqlLeases(hostB.Database).TryAcquireAsync("worker-b", "item-1", Minute);
        // The takeover's UPDATE waits on the row lock the fence took (seen by the server, not guessed with a delay).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            Assert.False(takeover.IsCompleted, "the takeover must wait for the fenced write to commit");
            Assert.True(DateTime.UtcNow < deadline, "the takeover never reached the row lock");
            await Task.Delay(20);
        }

        Assert.False(takeover.IsCompleted);
        letGo.Release();

        Assert.True(await write);
        var taken = await takeover;
        Assert.NotNull(taken);
        Assert.Equal(lease.Epoch + 1, taken.Epoch);
    }

    private async Task<string> MigratedAsync()
    {
        var connectionString = await server.CreateDatabaseAsync("leases");
        (await PostgreSqlDatabase.OpenAsync(connectionString, null, CancellationToken.None)).Database.Dispose();
        // The audits written under a fence need their task.
        await AdminSql.ExecuteAsync(connectionString, "INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('task', 0, 0)");
        return connectionString;
    }

    private static async Task<PostgreSqlStore> HostAsync(string connectionString, bool useServerClock = true) =>
        await PostgreSqlStore.OpenAsync(connectionString, new PostgreSqlStoreOptions { UseServerClock = useServerClock });

    private static async Task InsertAuditAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string what, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("INSERT INTO task_audits (task_id, event_type, created_at_ms) VALUES ('task', @what, 0)", connection, transaction);
        command.Parameters.AddWithValue("what", what);
        await command.ExecuteNonQueryAsync(ct);
    }
}
