using System.Collections.Concurrent;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Leases, the queue and the sweep on PostgreSQL with several hosts, through the same public API as SQLite
/// (<see cref="LeaseManager"/>, <see cref="WorkQueue"/>, <see cref="RecoverySweep"/>): the server's clock judges expiry,
/// SKIP LOCKED keeps claimers apart, the fence refuses a zombie and holds off a takeover, and concurrent sweeps recover
/// each lease once.
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlLeaseTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [PostgresFact]
    public async Task A_host_whose_clock_is_minutes_fast_cannot_take_over_a_valid_lease_by_default()
    {
        var connectionString = await MigratedAsync();
        using var hostA = Host(connectionString);
        using var hostB = Host(connectionString);
        // Host B's own clock is ten minutes ahead. With the default rule its clock is not asked: the server's is.
        var fastClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        new WorkQueue(hostA).Enqueue(new WorkItemRequest("k") { Id = "item-1" });

        var held = await new LeaseManager(hostA, "worker-a").TryAcquireAsync("item-1", Minute);
        var stolen = await new LeaseManager(hostB, "worker-b", fastClock).TryAcquireAsync("item-1", Minute);

        Assert.NotNull(held);
        Assert.Null(stolen);
        Assert.True(fastClock.GetUtcNow() > DateTimeOffset.UtcNow.AddMinutes(9));
        // The lease's expiry is on the server's clock: about a minute from the server's now.
        var serverNow = await AdminSql.ScalarAsync<long>(connectionString, "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
        Assert.InRange(held.ExpiresAt.ToUnixTimeMilliseconds() - serverNow, 50_000, 60_000);
        Assert.Equal(held.ExpiresAt.ToUnixTimeMilliseconds(), await AdminSql.ScalarAsync<long>(connectionString, "SELECT lease_expires_at_ms FROM work_items"));
    }

    [PostgresFact]
    public async Task A_host_that_opts_into_its_own_fast_clock_would_steal_the_lease_which_is_why_the_server_clock_is_the_default()
    {
        var connectionString = await MigratedAsync();
        using var hostA = Host(connectionString);
        using var skewed = Host(connectionString, useServerClock: false);
        var fastClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(10));
        new WorkQueue(hostA).Enqueue(new WorkItemRequest("k") { Id = "item-1" });

        var held = await new LeaseManager(hostA, "worker-a").TryAcquireAsync("item-1", Minute);
        var stolen = await new LeaseManager(skewed, "worker-b", fastClock).TryAcquireAsync("item-1", Minute);

        Assert.NotNull(held);
        Assert.NotNull(stolen);
        Assert.Equal(held.Epoch + 1, stolen.Epoch);
    }

    [PostgresFact]
    public async Task A_host_whose_clock_is_minutes_slow_still_takes_over_a_lease_that_expired_on_the_server_and_the_zombie_is_refused()
    {
        var connectionString = await MigratedAsync();
        using var hostA = Host(connectionString);
        using var hostB = Host(connectionString);
        var slowClock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-10));
        var workerA = new LeaseManager(hostA, "worker-a");
        var workerB = new LeaseManager(hostB, "worker-b", slowClock);
        new WorkQueue(hostA).Enqueue(new WorkItemRequest("k") { Id = "item-1" });
        var zombie = (await workerA.TryAcquireAsync("item-1", Minute))!;
        // Worker A stops heartbeating; its lease runs out on the server's clock (moved back here instead of waiting a minute).
        await AdminSql.ExecuteAsync(connectionString, "UPDATE work_items SET lease_expires_at_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1");

        var taken = await workerB.TryAcquireNextAsync("k", Minute);
        var zombieWrite = await Assert.ThrowsAsync<LeaseLostException>(() => workerA.ExecuteFencedAsync(zombie, (tx, ct) => InsertAuditAsync(tx, "zombie", ct)));
        var zombieRenew = await Assert.ThrowsAsync<LeaseLostException>(() => workerA.RenewAsync(zombie, Minute));
        var zombieRelease = await Assert.ThrowsAsync<LeaseLostException>(() => workerA.ReleaseAsync(zombie, success: true, output: "late"));
        await workerB.ExecuteFencedAsync(taken!, (tx, ct) => InsertAuditAsync(tx, "owner", ct));

        Assert.NotNull(taken);
        Assert.Equal(zombie.Epoch + 1, taken.Epoch);
        Assert.Equal(LeaseLostReason.Superseded, zombieWrite.Reason);
        Assert.Equal(LeaseLostReason.Superseded, zombieRenew.Reason);
        Assert.Equal(LeaseLostReason.Superseded, zombieRelease.Reason);
        Assert.Equal("owner", await AdminSql.ScalarAsync<string>(connectionString, "SELECT string_agg(event_type, ',') FROM task_audits"));
        Assert.Equal("leased", await AdminSql.ScalarAsync<string>(connectionString, "SELECT status FROM work_items"));
        Assert.Equal("worker-b", await AdminSql.ScalarAsync<string>(connectionString, "SELECT lease_holder FROM work_items"));
    }

    [PostgresFact]
    public async Task Eight_hosts_claiming_at_once_never_claim_one_item_twice_and_finish_every_item()
    {
        const int Items = 400;
        var connectionString = await MigratedAsync();
        await AdminSql.ExecuteAsync(
            connectionString,
            $"INSERT INTO work_items (work_item_id, kind, created_at_ms, updated_at_ms) SELECT 'item-' || g, 'k', g, g FROM generate_series(1, {Items}) g");

        var claims = new ConcurrentBag<(string Id, long Epoch, string Host)>();
        var hosts = Enumerable.Range(0, 8).Select(h => Task.Run(async () =>
        {
            using var host = await HostAsync(connectionString);
            var leases = new LeaseManager(host, $"host-{h}");
            while (await leases.TryAcquireNextAsync("k", Minute) is { } lease)
            {
                claims.Add((lease.WorkItemId, lease.Epoch, $"host-{h}"));
                Assert.Equal(WorkItemStatus.Succeeded, await leases.ReleaseAsync(lease, success: true, output: $"host-{h}"));
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
        var hosts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => HostAsync(connectionString)));

        var sweeps = await Task.WhenAll(hosts.Select(host => Task.Run(
            () => new RecoverySweep(host, options: new RecoverySweepOptions { BatchSize = 50 }).ScanAndRecoverAsync())));
        foreach (var host in hosts)
        {
            host.Dispose();
        }

        Assert.All(sweeps, s => Assert.Equal(0, s.Errors));
        Assert.Equal(900, sweeps.Sum(s => s.Recovered));
        Assert.Equal(100, sweeps.Sum(s => s.FailedAfterMaxAttempts));
        // What one sweeper found and another recovered first is left alone, never counted twice.
        Assert.Equal(sweeps.Sum(s => s.ExpiredFound), sweeps.Sum(s => s.Recovered + s.FailedAfterMaxAttempts + s.LeftAlone));
        Assert.Equal(900L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM work_items WHERE status = 'pending' AND lease_holder IS NULL"));
        Assert.Equal(100L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM work_items WHERE status = 'failed' AND completed_at_ms IS NOT NULL"));
        Assert.Equal(
            "The lease of worker 'dead-worker' (epoch 1) expired on attempt 1 of 3; re-queued by the recovery sweep.",
            await AdminSql.ScalarAsync<string>(connectionString, "SELECT error FROM work_items WHERE work_item_id = 'item-1'"));
    }

    [PostgresFact]
    public async Task A_lease_renewed_between_the_scan_and_the_update_is_left_alone()
    {
        var connectionString = await MigratedAsync();
        using var store = Host(connectionString);
        var worker = new LeaseManager(store, "w1");
        new WorkQueue(store).Enqueue(new WorkItemRequest("k") { Id = "item-1" });
        var lease = (await worker.TryAcquireAsync("item-1", Minute))!;
        await AdminSql.ExecuteAsync(connectionString, "UPDATE work_items SET lease_expires_at_ms = lease_expires_at_ms - 120000");
        var sweep = new RecoverySweep(store)
        {
            // The scan saw the lease expired; the worker's heartbeat lands (here: an operator's repair) before the update.
            AfterScan = _ => AdminSql.ExecuteAsync(connectionString, "UPDATE work_items SET lease_expires_at_ms = lease_expires_at_ms + 240000").GetAwaiter().GetResult(),
        };

        var stats = await sweep.ScanAndRecoverAsync();

        Assert.Equal(1, stats.ExpiredFound);
        Assert.Equal(1, stats.LeftAlone);
        Assert.Equal(0, stats.Recovered);
        Assert.Equal(WorkItemStatus.Succeeded, await worker.ReleaseAsync(lease, success: true));
    }

    [PostgresFact]
    public async Task A_release_cancelled_while_it_waits_for_the_row_is_rolled_back_whole_and_the_lease_is_still_held()
    {
        var connectionString = await MigratedAsync();
        using var store = Host(connectionString);
        var worker = new LeaseManager(store, "w1");
        new WorkQueue(store).Enqueue(new WorkItemRequest("k") { Id = "item-1" });
        var lease = (await worker.TryAcquireAsync("item-1", Minute))!;
        using var cancel = new CancellationTokenSource();

        // Another session holds the item's row: the release (one batch, committed by the server at its end) waits for it.
        await using var hold = await HeldRows.LockAsync(connectionString, "SELECT 1 FROM work_items WHERE work_item_id = 'item-1' FOR UPDATE");
        var release = worker.ReleaseAsync(lease, success: true, cancellationToken: cancel.Token);
        await HeldRows.WaitForLockWaiterAsync(connectionString, release);

        // Cancelled while the server runs it: the server cancels the batch, an error before its end, so none of it committed
        // (not "in doubt"), and the caller sees a plain cancellation.
        await cancel.CancelAsync();
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => release);
        Assert.IsNotType<StoreException>(cancelled.InnerException);
        await hold.CommitAsync();

        Assert.Equal("leased", await AdminSql.ScalarAsync<string>(connectionString, "SELECT status FROM work_items WHERE work_item_id = 'item-1'"));
        Assert.Equal(WorkItemStatus.Succeeded, await worker.ReleaseAsync(lease, success: true));
    }

    [PostgresFact]
    public async Task A_fenced_write_holds_off_a_takeover_until_it_commits()
    {
        var connectionString = await MigratedAsync();
        using var hostA = Host(connectionString);
        using var hostB = Host(connectionString);
        var workerA = new LeaseManager(hostA, "worker-a");
        new WorkQueue(hostA).Enqueue(new WorkItemRequest("k") { Id = "item-1" });
        var lease = (await workerA.TryAcquireAsync("item-1", TimeSpan.FromMilliseconds(300)))!;
        using var inside = new SemaphoreSlim(0);
        using var letGo = new SemaphoreSlim(0);

        // Worker A's fenced write passes the check and is still running when its lease runs out.
        var write = workerA.ExecuteFencedAsync(lease, async (tx, ct) =>
        {
            await InsertAuditAsync(tx, "a", ct);
            inside.Release();
            await letGo.WaitAsync(ct);
        });
        await inside.WaitAsync();
        // The lease runs out on the server's clock while the write is in flight.
        await AdminSql.ExecuteAsync(connectionString, "SELECT pg_sleep(0.4)");
        var takeover = new LeaseManager(hostB, "worker-b").TryAcquireAsync("item-1", Minute);
        // The takeover's UPDATE waits on the row lock the fence took (seen by the server, not guessed with a delay).
        await HeldRows.WaitForLockWaiterAsync(connectionString, takeover);

        Assert.False(takeover.IsCompleted);
        letGo.Release();

        await write;
        var taken = await takeover;
        Assert.NotNull(taken);
        Assert.Equal(lease.Epoch + 1, taken.Epoch);
        Assert.Equal("a", await AdminSql.ScalarAsync<string>(connectionString, "SELECT string_agg(event_type, ',') FROM task_audits"));
    }

    [PostgresFact]
    public Task A_release_that_waited_for_the_row_past_the_expiry_sees_the_lease_expired_on_the_servers_clock() =>
        // The row held as a fenced write of the same worker holds it.
        WaitsPastTheExpiryAndSeesItExpiredAsync("FOR SHARE", (_, worker, lease) => worker.ReleaseAsync(lease, success: true));

    [PostgresFact]
    public Task A_fenced_write_whose_fence_waited_for_the_row_past_the_expiry_is_refused() =>
        // The row held as a lease write of the same worker (a renewal on its heartbeat) holds it.
        WaitsPastTheExpiryAndSeesItExpiredAsync("FOR UPDATE", (_, worker, lease) => worker.ExecuteFencedAsync(lease, (tx, ct) => InsertAuditAsync(tx, "zombie", ct)));

    [PostgresFact]
    public Task A_fence_in_the_callers_own_transaction_that_waited_for_the_row_past_the_expiry_is_refused() =>
        // The caller's transaction read "now" when it began, before the wait: the fence must judge by the clock after its lock.
        // A synchronous transaction on a thread of its own: the fence API is synchronous, and blocking a pool thread on
        // asynchronous I/O would make the test depend on how busy the pool is.
        WaitsPastTheExpiryAndSeesItExpiredAsync("FOR UPDATE", (store, worker, lease) => Task.Factory.StartNew(
            () => store.ExecuteWrite(tx =>
            {
                worker.EnsureCurrent(lease, tx);
                using var command = tx.CreateCommand("INSERT INTO task_audits (task_id, event_type, created_at_ms) VALUES ('task', 'zombie', 0)");
                return command.ExecuteNonQuery();
            }),
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));

    [PostgresFact]
    public Task An_asynchronous_fence_in_the_callers_own_transaction_that_waited_for_the_row_past_the_expiry_is_refused() =>
        WaitsPastTheExpiryAndSeesItExpiredAsync("FOR UPDATE", (store, worker, lease) => store.ExecuteWriteAsync(async (tx, ct) =>
        {
            await worker.EnsureCurrentAsync(lease, tx);
            await InsertAuditAsync(tx, "zombie", ct);
            return 0;
        }));

    private async Task WaitsPastTheExpiryAndSeesItExpiredAsync(string rowLock, Func<AgentOsStore, LeaseManager, Lease, Task> write)
    {
        var connectionString = await MigratedAsync();
        using var host = Host(connectionString);
        var worker = new LeaseManager(host, "worker-a");
        new WorkQueue(host).Enqueue(new WorkItemRequest("k") { Id = "item-1" });
        var lease = (await worker.TryAcquireAsync("item-1", TimeSpan.FromSeconds(2)))!;
        var expires = lease.ExpiresAt.ToUnixTimeMilliseconds();

        // Another session holds the row, without changing it, while the lease is valid.
        await using var holding = await HeldRows.LockAsync(connectionString, $"SELECT 1 FROM work_items WHERE work_item_id = 'item-1' {rowLock}");
        var writing = write(host, worker, lease);
        await HeldRows.WaitForLockWaiterAsync(connectionString, writing);

        // The write was sent while the lease was still valid; the row is let go only once it has expired on the server.
        Assert.True(await ServerNowAsync(connectionString) < expires, "the write reached the lock only after the lease expired: the test proves nothing");
        while (await ServerNowAsync(connectionString) <= expires + 20)
        {
            await AdminSql.ExecuteAsync(connectionString, "SELECT pg_sleep(0.05)");
        }

        await holding.CommitAsync();

        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => writing);
        Assert.Equal(LeaseLostReason.Expired, lost.Reason);
        Assert.Equal("leased", await AdminSql.ScalarAsync<string>(connectionString, "SELECT status FROM work_items"));
        Assert.Equal(0L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM task_audits"));
    }

    private static Task<long> ServerNowAsync(string connectionString) =>
        AdminSql.ScalarAsync<long>(connectionString, "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");

    private async Task<string> MigratedAsync()
    {
        var connectionString = await server.CreateDatabaseAsync("leases");
        Host(connectionString).Dispose();
        // The audits written under a fence need their task.
        await AdminSql.ExecuteAsync(connectionString, "INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('task', 0, 0)");
        return connectionString;
    }

    private static Task<AgentOsStore> HostAsync(string connectionString) =>
        AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(connectionString));

    private static AgentOsStore Host(string connectionString, bool useServerClock = true) =>
        AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString, o => o.UseServerClock = useServerClock));

    private static async Task InsertAuditAsync(StoreTransaction tx, string what, CancellationToken ct)
    {
        await using var command = tx.CreateCommand("INSERT INTO task_audits (task_id, event_type, created_at_ms) VALUES ('task', @what, 0)");
        command.SetParameter("@what", what);
        await command.ExecuteNonQueryAsync(ct);
    }
}
