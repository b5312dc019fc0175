using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Idempotency;

/// <summary>
/// Idempotency claims on each provider: a key runs once however many owners (or hosts: stores of their own, each with its
/// own connection pool) race for it, a crashed owner's claim is in doubt for the next one, and a failure is never replayed
/// unless asked.
/// </summary>
public abstract class IdempotencyStoreTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private const int Hosts = 8;
    private static readonly TimeSpan ClaimDuration = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<IdempotencyStore> _created = [];
    private AgentOsStore _store = null!;

    protected override Task InitializeTestAsync()
    {
        _store = Database.Open();
        return Task.CompletedTask;
    }

    protected override Task DisposeTestAsync()
    {
        _created.ForEach(s => s.Dispose());
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public async Task The_first_call_executes_and_the_next_replays_the_recorded_outcome()
    {
        var store = Create("a");
        var key = IdempotencyKey.From("op", "one");
        var runs = 0;

        var first = await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success($"result {++runs}")));
        var second = await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success($"result {++runs}")));

        Assert.Equal(1, runs);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal("result 1", second.Outcome.Result);
        var record = store.Find(key)!;
        Assert.Equal(IdempotencyStatus.Succeeded, record.Status);
        Assert.Equal("a", record.Owner);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromDays(30), record.ExpiresAt);
    }

    [ConformanceFact]
    public void A_claim_is_visible_as_pending_with_its_owner_and_expiry_and_blocks_other_claims()
    {
        var a = Create("owner-a");
        var b = Create("owner-b");
        var key = IdempotencyKey.From("op", "visible");

        var claimed = a.TryClaim(key, new IdempotencyExecuteOptions { Description = "send the invoice" });
        var seenByB = b.Find(key)!;
        var secondClaim = b.TryClaim(key);

        Assert.Equal(IdempotencyClaimStatus.Acquired, claimed.Status);
        Assert.Equal(IdempotencyStatus.Pending, seenByB.Status);
        Assert.Equal("owner-a", seenByB.Owner);
        Assert.Equal(_clock.GetUtcNow() + ClaimDuration, seenByB.ClaimExpiresAt);
        Assert.Equal("send the invoice", seenByB.Description);
        Assert.Equal(IdempotencyClaimStatus.HeldByOther, secondClaim.Status);
        Assert.Equal("owner-a", secondClaim.Record!.Owner);

        a.Complete(claimed.Claim!, IdempotencyOutcome.Success("sent"));
        var afterwards = b.TryClaim(key);
        Assert.Equal(IdempotencyClaimStatus.Completed, afterwards.Status);
        Assert.Equal("sent", afterwards.Record!.Result);
    }

    [ConformanceFact]
    public async Task Two_concurrent_owners_of_one_key_execute_it_once()
    {
        var results = await RaceAsync(callers: 2, sharedInstance: false);

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => r.Outcome.Result).Distinct());
    }

    [ConformanceFact]
    public async Task Sixteen_concurrent_owners_of_one_key_execute_it_once()
    {
        var results = await RaceAsync(callers: 16, sharedInstance: false);

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => r.Outcome.Result).Distinct());
    }

    [ConformanceFact]
    public async Task Sixteen_concurrent_callers_on_one_instance_execute_once_and_are_woken_without_the_clock_moving()
    {
        var results = await RaceAsync(callers: 16, sharedInstance: true);

        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => r.Outcome.Result).Distinct());
    }

    [ConformanceFact]
    public async Task An_expired_key_is_executed_again_and_the_new_success_is_replayed_until_it_expires()
    {
        var store = Create("a");
        var key = IdempotencyKey.From("op", "expiring");
        var options = new IdempotencyExecuteOptions { TimeToLive = TimeSpan.FromHours(1) };
        var runs = 0;
        Task<IdempotencyOutcome> Run(CancellationToken _) => Task.FromResult(IdempotencyOutcome.Success($"run {++runs}"));

        await store.ExecuteAsync(key, Run, options);
        _clock.Advance(TimeSpan.FromHours(1));
        var afterExpiry = await store.ExecuteAsync(key, Run, options);
        _clock.Advance(TimeSpan.FromMinutes(59));
        var replay = await store.ExecuteAsync(key, Run, options);

        Assert.Equal(2, runs);
        Assert.False(afterExpiry.Replayed);
        Assert.Equal("run 2", afterExpiry.Outcome.Result);
        Assert.True(replay.Replayed);
        Assert.Equal("run 2", replay.Outcome.Result);
        var record = store.Find(key)!;
        Assert.Equal(IdempotencyStatus.Succeeded, record.Status);
        Assert.Equal(2, record.ClaimEpoch);
    }

    [ConformanceFact]
    public async Task A_failure_thrown_by_the_operation_is_recorded_as_failed_and_the_next_call_runs_again()
    {
        var store = Create("a");
        var key = IdempotencyKey.From("op", "flaky");

        await Assert.ThrowsAsync<IOException>(() => store.ExecuteAsync(key, _ => throw new IOException("network down")));
        var record = store.Find(key)!;
        var retry = await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("ok")), new IdempotencyExecuteOptions { ReplayFailures = true });

        Assert.Equal(IdempotencyStatus.Failed, record.Status);
        Assert.Equal("System.IO.IOException: network down", record.Error);
        Assert.Null(record.Result);
        Assert.False(retry.Replayed);
        Assert.Equal("ok", retry.Outcome.Result);
    }

    [ConformanceFact]
    public async Task A_crashed_claim_becomes_in_doubt_and_the_next_caller_takes_over_and_is_told()
    {
        // The crashed owner ran on another host: a store of its own, as another machine sharing the database would have.
        var crashed = Create("crashed-owner", host: Database.Open());
        var next = Create("next-owner");
        var key = IdempotencyKey.From("op", "in-doubt");
        var stale = crashed.TryClaim(key).Claim!;

        _clock.Advance(ClaimDuration);
        var record = next.Find(key)!;
        var result = await next.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("second attempt")));

        Assert.Equal(IdempotencyStatus.InDoubt, record.Status);
        Assert.Equal("crashed-owner", record.Owner);
        Assert.False(result.Replayed);
        Assert.True(result.PreviousAttemptInDoubt);
        // The crashed owner comes back late: its outcome is refused, the successor's stands.
        var ex = Assert.Throws<IdempotencyClaimLostException>(() => crashed.Complete(stale, IdempotencyOutcome.Success("first attempt")));
        Assert.Equal("first attempt", ex.UnrecordedOutcome!.Result);
        Assert.Equal("next-owner", ex.Current!.Owner);
        Assert.Equal("second attempt", next.Find(key)!.Result);
    }

    [ConformanceFact]
    public void In_doubt_claims_can_be_marked_in_the_store_and_taking_one_over_names_the_previous_owner()
    {
        var crashed = Create("crashed-owner");
        var key = IdempotencyKey.From("op", "mark");
        crashed.TryClaim(key);
        Assert.Equal(0, crashed.MarkExpiredClaimsInDoubt());

        _clock.Advance(ClaimDuration);
        Assert.Equal(1, crashed.MarkExpiredClaimsInDoubt());
        var takeover = Create("next-owner").TryClaim(key);

        Assert.Equal(IdempotencyClaimStatus.Acquired, takeover.Status);
        Assert.True(takeover.Claim!.PreviousAttemptInDoubt);
        Assert.Equal("crashed-owner", takeover.Claim.PreviousOwner);
        Assert.Equal(2, takeover.Claim.Epoch);
    }

    [ConformanceFact]
    public void A_late_completion_of_an_expired_claim_that_nobody_took_over_is_recorded()
    {
        var slow = Create("slow-owner");
        var key = IdempotencyKey.From("op", "slow");
        var claim = slow.TryClaim(key).Claim!;
        _clock.Advance(ClaimDuration + TimeSpan.FromMinutes(1));
        slow.MarkExpiredClaimsInDoubt();

        var record = slow.Complete(claim, IdempotencyOutcome.Success("late but sole"));

        Assert.Equal(IdempotencyStatus.Succeeded, record.Status);
        Assert.Equal("late but sole", record.Result);
    }

    [ConformanceFact]
    public async Task A_waiter_whose_owner_crashed_takes_over_once_the_claim_expires()
    {
        var crashed = Create("crashed-owner");
        var waiter = Create("waiter", new IdempotencyOptions { ClaimDuration = ClaimDuration, PollInterval = TimeSpan.FromSeconds(1) });
        var key = IdempotencyKey.From("op", "waiting-takeover");
        crashed.TryClaim(key);

        var waiting = waiter.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("done by waiter")));
        Assert.False(waiting.IsCompleted);
        var waited = await AdvanceUntilAsync(waiting, TimeSpan.FromSeconds(10));
        var result = await waiting;

        Assert.True(waited >= ClaimDuration, $"the waiter finished after {waited}, before the claim expired");
        Assert.True(result.PreviousAttemptInDoubt);
        Assert.Equal("done by waiter", result.Outcome.Result);
    }

    [ConformanceFact]
    public async Task Waiting_for_another_owner_is_bounded()
    {
        var holder = Create("holder");
        var waiter = Create("waiter", new IdempotencyOptions { ClaimDuration = TimeSpan.FromHours(1), WaitTimeout = TimeSpan.FromMinutes(1), PollInterval = TimeSpan.FromSeconds(1) });
        var key = IdempotencyKey.From("op", "bounded");
        holder.TryClaim(key);

        var waiting = waiter.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("never")));
        var waited = await AdvanceUntilAsync(waiting, TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => waiting);
        Assert.Contains("'holder'", ex.Message, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(20));
    }

    [ConformanceFact]
    public async Task Force_execute_runs_again_and_records_the_new_outcome()
    {
        var store = Create("a");
        var key = IdempotencyKey.From("op", "force");
        await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("old")));

        var forced = await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("new")), new IdempotencyExecuteOptions { ForceExecute = true });
        var replay = await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("unused")));

        Assert.False(forced.Replayed);
        Assert.Equal("new", replay.Outcome.Result);
    }

    [ConformanceFact]
    public async Task Replay_counts_reach_the_hit_count_column_when_flushed_or_after_the_flush_interval()
    {
        var store = Create("a");
        var key = IdempotencyKey.From("op", "hits");
        await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("x")));
        for (var i = 0; i < 3; i++)
        {
            await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("unused")));
        }

        Assert.Equal(0, store.Find(key)!.HitCount);
        store.FlushHitCounts();
        Assert.Equal(3, store.Find(key)!.HitCount);

        _clock.Advance(TimeSpan.FromSeconds(1));
        await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("unused")));
        Assert.Equal(4, store.Find(key)!.HitCount);
    }

    [ConformanceFact]
    public async Task Disposing_asynchronously_writes_the_pending_hit_counts()
    {
        var key = IdempotencyKey.From("op", "dispose-async");
        await using (var store = new IdempotencyStore(_store, "a", _clock))
        {
            await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("x")));
            await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("unused")));
            await store.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success("unused")));
            Assert.Equal(0, (await store.FindAsync(key))!.HitCount);
        }

        Assert.Equal(2, (await Create("b").FindAsync(key))!.HitCount);
    }

    [ConformanceFact]
    public async Task Purge_deletes_only_expired_outcomes()
    {
        var store = Create("a");
        await store.ExecuteAsync(IdempotencyKey.From("op", "short"), _ => Task.FromResult(IdempotencyOutcome.Success("x")), new IdempotencyExecuteOptions { TimeToLive = TimeSpan.FromMinutes(1) });
        await store.ExecuteAsync(IdempotencyKey.From("op", "forever"), _ => Task.FromResult(IdempotencyOutcome.Success("y")), new IdempotencyExecuteOptions { TimeToLive = Timeout.InfiniteTimeSpan });
        _clock.Advance(TimeSpan.FromDays(365));

        Assert.Equal(1, store.PurgeExpired());
        Assert.Null(store.Find(IdempotencyKey.From("op", "short")));
        Assert.NotNull(store.Find(IdempotencyKey.From("op", "forever")));
    }

    [ConformanceFact]
    public async Task Eight_hosts_racing_for_a_new_key_run_the_operation_once_and_all_get_its_outcome()
    {
        var hosts = await OpenHostsAsync();
        var runs = 0;
        var key = IdempotencyKey.From("test", "new-key");

        var results = await Task.WhenAll(hosts.Select((host, i) => Task.Run(() => Create($"host-{i}", host: host, clock: TimeProvider.System).ExecuteAsync(
            key,
            async ct =>
            {
                Interlocked.Increment(ref runs);
                await Task.Delay(200, ct);
                return IdempotencyOutcome.Success($"ran on host-{i}");
            }))));

        Assert.Equal(1, runs);
        Assert.Single(results, r => !r.Replayed);
        Assert.Single(results.Select(r => r.Outcome.Result).Distinct());
        Assert.Equal(1L, await Database.ScalarAsync<long>("SELECT claim_epoch FROM idempotency_keys"));
    }

    [ConformanceFact]
    public async Task Eight_hosts_racing_to_retry_a_failed_key_run_it_once_more_not_eight_times()
    {
        var key = IdempotencyKey.From("test", "failed-key");
        await Assert.ThrowsAsync<InvalidOperationException>(() => Create("first", clock: TimeProvider.System).ExecuteAsync(
            key, _ => throw new InvalidOperationException("the first attempt failed")));
        var hosts = await OpenHostsAsync();
        var runs = 0;

        var results = await Task.WhenAll(hosts.Select((host, i) => Task.Run(() => Create($"host-{i}", host: host, clock: TimeProvider.System).ExecuteAsync(
            key,
            async ct =>
            {
                Interlocked.Increment(ref runs);
                await Task.Delay(200, ct);
                return IdempotencyOutcome.Success("second attempt");
            }))));

        // Hosts that read "failed" before any of them took it over must not all run it: the claim locks the row
        // (PostgreSQL) or runs under the write lock (SQLite).
        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal("second attempt", r.Outcome.Result));
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT claim_epoch FROM idempotency_keys"));
        Assert.Equal("succeeded", await Database.ScalarAsync<string>("SELECT status FROM idempotency_keys"));
    }

    /// <summary>
    /// Moves the fake clock on by <paramref name="step"/> at a time until <paramref name="task"/> ends, and returns how far it
    /// moved. In steps, not at once: on a provider with asynchronous I/O the call returns before its first read, and one
    /// jump could land before the call has looked at the clock. Bounded in real time, so a broken wait fails, not hangs.
    /// </summary>
    private async Task<TimeSpan> AdvanceUntilAsync(Task task, TimeSpan step)
    {
        var moved = TimeSpan.Zero;
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!task.IsCompleted)
        {
            await Task.Delay(20, bound.Token);
            _clock.Advance(step);
            moved += step;
        }

        return moved;
    }

    private async Task<AgentOsStore[]> OpenHostsAsync() =>
        await Task.WhenAll(Enumerable.Range(0, Hosts).Select(_ => Database.OpenAsync()));

    // Starts every caller at once on its own thread; the executing caller holds its claim until the other callers have
    // reached the point where they wait, so the waiting path is exercised, not skipped by luck.
    private async Task<IdempotentResult[]> RaceAsync(int callers, bool sharedInstance)
    {
        // Separate owners poll each other through the database on the real clock; one instance wakes its waiters itself.
        TimeProvider clock = sharedInstance ? _clock : TimeProvider.System;
        var options = new IdempotencyOptions { PollInterval = TimeSpan.FromMilliseconds(5) };
        var shared = sharedInstance ? Create("shared", options, clock) : null;
        var stores = Enumerable.Range(0, callers).Select(i => shared ?? Create($"owner-{i}", options, clock)).ToArray();
        var key = IdempotencyKey.From("op", "race", callers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var executions = 0;
        var tasks = new Task<IdempotentResult>[callers];
        using var start = new Barrier(callers);
        var threads = Enumerable.Range(0, callers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            tasks[i] = stores[i].ExecuteAsync(key, async _ =>
            {
                var n = Interlocked.Increment(ref executions);
                await gate.Task;
                return IdempotencyOutcome.Success($"executed by caller {i}, execution {n}");
            });
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        // SQLite: every call has returned from its thread only once it claimed or found the claim taken. A provider with
        // asynchronous I/O returns before the first read: wait for the one execution, then give the other calls time to
        // reach their wait (whatever the timing, each must get the one outcome, replayed).
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Volatile.Read(ref executions) == 0)
            {
                await Task.Delay(5, bound.Token);
            }
        }

        await Task.Delay(Database.IsPostgreSql ? 200 : 0);

        // One runs, the others wait, and the claim is visible.
        Assert.Equal(1, Volatile.Read(ref executions));
        Assert.All(tasks, t => Assert.False(t.IsCompleted));
        Assert.Equal(IdempotencyStatus.Pending, stores[0].Find(key)!.Status);

        gate.SetResult();
        var results = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, executions);
        return results;
    }

    private IdempotencyStore Create(string owner, IdempotencyOptions? options = null, TimeProvider? clock = null, AgentOsStore? host = null)
    {
        var store = new IdempotencyStore(host ?? _store, owner, clock ?? _clock, options ?? new IdempotencyOptions { ClaimDuration = ClaimDuration });
        _created.Add(store);
        return store;
    }
}

public sealed class IdempotencyStoreTests_Sqlite(SqliteProvider provider) : IdempotencyStoreTests<SqliteProvider>(provider);

public sealed class IdempotencyStoreTests_PostgreSql(PostgreSqlProvider provider) : IdempotencyStoreTests<PostgreSqlProvider>(provider);
