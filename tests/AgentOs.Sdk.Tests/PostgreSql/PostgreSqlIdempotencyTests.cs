using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Idempotency claims, the LLM output cache and the tool ledger on PostgreSQL, with several hosts (one store, so one
/// connection pool, each): a key is run once however many hosts race for it, a crashed owner's claim is in doubt for
/// the next host, and a failure is never replayed.
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlIdempotencyTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    private const int Hosts = 8;

    [PostgresFact]
    public async Task Eight_hosts_racing_for_a_new_key_run_the_operation_once_and_all_get_its_outcome()
    {
        var connectionString = await server.CreateDatabaseAsync("idem");
        var stores = await OpenHostsAsync(connectionString);
        var runs = 0;
        var key = IdempotencyKey.From("test", "new-key");

        var results = await Task.WhenAll(stores.Select((store, i) => Task.Run(() => new IdempotencyStore(store, $"host-{i}").ExecuteAsync(
            key,
            async ct =>
            {
                Interlocked.Increment(ref runs);
                await Task.Delay(200, ct);
                return IdempotencyOutcome.Success($"ran on host-{i}");
            }))));
        Dispose(stores);

        Assert.Equal(1, runs);
        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => r.Outcome.Result).Distinct());
        Assert.Equal(1L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT claim_epoch FROM idempotency_keys"));
    }

    [PostgresFact]
    public async Task Eight_hosts_racing_to_retry_a_failed_key_run_it_once_more_not_eight_times()
    {
        var connectionString = await server.CreateDatabaseAsync("idem");
        var key = IdempotencyKey.From("test", "failed-key");
        using (var first = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString)))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => new IdempotencyStore(first, "first").ExecuteAsync(
                key, _ => throw new InvalidOperationException("the first attempt failed")));
        }

        var stores = await OpenHostsAsync(connectionString);
        var runs = 0;

        var results = await Task.WhenAll(stores.Select((store, i) => Task.Run(() => new IdempotencyStore(store, $"host-{i}").ExecuteAsync(
            key,
            async ct =>
            {
                Interlocked.Increment(ref runs);
                await Task.Delay(200, ct);
                return IdempotencyOutcome.Success("second attempt");
            }))));
        Dispose(stores);

        // Both hosts that read "failed" before either took it over must not both run it: the claim locks the row.
        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal("second attempt", r.Outcome.Result));
        Assert.Equal(2L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT claim_epoch FROM idempotency_keys"));
        Assert.Equal("succeeded", await AdminSql.ScalarAsync<string>(connectionString, "SELECT status FROM idempotency_keys"));
    }

    [PostgresFact]
    public async Task A_claim_whose_owner_died_is_in_doubt_for_the_next_host_and_the_dead_owner_cannot_complete_it()
    {
        var connectionString = await server.CreateDatabaseAsync("idem");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new IdempotencyOptions { ClaimDuration = TimeSpan.FromMinutes(1) };
        using var hostA = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString, o => o.UseServerClock = false));
        using var hostB = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString, o => o.UseServerClock = false));
        var key = IdempotencyKey.From("test", "in-doubt");
        var dead = new IdempotencyStore(hostA, "dead-owner", clock, options).TryClaim(key);
        Assert.Equal(IdempotencyClaimStatus.Acquired, dead.Status);
        clock.Advance(TimeSpan.FromMinutes(2));

        var next = await new IdempotencyStore(hostB, "next-owner", clock, options).ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("redone")));

        Assert.True(next.PreviousAttemptInDoubt);
        Assert.False(next.Replayed);
        Assert.Throws<IdempotencyClaimLostException>(() => new IdempotencyStore(hostA, "dead-owner", clock, options).Complete(dead.Claim!, IdempotencyOutcome.Success("late")));
        Assert.Equal("redone", await AdminSql.ScalarAsync<string>(connectionString, "SELECT result FROM idempotency_keys"));
    }

    [PostgresFact]
    public async Task The_llm_cache_never_caches_a_failure_and_the_ledger_replays_only_successes_across_hosts()
    {
        var connectionString = await server.CreateDatabaseAsync("idem");
        using var hostA = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
        using var hostB = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
        using var idemA = new IdempotencyStore(hostA, "a");
        using var idemB = new IdempotencyStore(hostB, "b");
        var cacheA = new LlmOutputCache(idemA);
        var cacheB = new LlmOutputCache(idemB);
        var ledgerA = new ToolLedger(idemA);
        var ledgerB = new ToolLedger(idemB);

        await Assert.ThrowsAsync<TimeoutException>(() => cacheA.GetOrCreateAsync("chat", "prompt", "model", _ => throw new TimeoutException("the model timed out")));
        var calls = 0;
        var answer = await cacheB.GetOrCreateAsync("chat", "prompt", "model", _ => Task.FromResult($"answer {++calls}"));
        var cached = await cacheA.GetOrCreateAsync("chat", "prompt", "model", _ => Task.FromResult($"answer {++calls}"));

        var failedRun = await ledgerA.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(2, string.Empty, "error")));
        var rerun = await ledgerB.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(0, "built", string.Empty)));
        var replay = await ledgerA.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(0, "built twice", string.Empty)));

        Assert.Equal("answer 1", answer);
        Assert.Equal("answer 1", cached);
        Assert.Equal(1, calls);
        Assert.False(failedRun.Replayed);
        Assert.False(rerun.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal("built", replay.Result.Stdout);
    }

    private static async Task<AgentOsStore[]> OpenHostsAsync(string connectionString) =>
        await Task.WhenAll(Enumerable.Range(0, Hosts).Select(_ => AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(connectionString))));

    private static void Dispose(AgentOsStore[] stores)
    {
        foreach (var store in stores)
        {
            store.Dispose();
        }
    }
}
