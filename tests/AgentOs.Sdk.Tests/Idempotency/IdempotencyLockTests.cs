using System.Diagnostics;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Idempotency;

/// <summary>
/// Issue 14: a claim that finds its key completed under the write lock, while a hit-count flush is due, must neither stall
/// itself nor hold the write lock against every other writer for the busy timeout.
/// </summary>
/// <remarks>
/// SQLite only, not in the conformance suite: every test here holds SQLite's one database-wide write lock from another
/// connection (<c>BEGIN IMMEDIATE</c> on the file), which PostgreSQL has no equivalent of (its writers lock rows, and the
/// racing-hosts tests of <see cref="IdempotencyStoreTests{TProvider}"/> cover its claims).
/// </remarks>
public sealed class IdempotencyLockTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan LockHeld = TimeSpan.FromMilliseconds(300);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_claim_that_finds_the_key_completed_under_the_lock_with_a_flush_due_is_fast_and_blocks_no_other_writer()
    {
        var path = _temp.Combine("keys.db");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = AgentOsStore.Open(path);
        using var keys = new IdempotencyStore(store, "claimer", clock, new IdempotencyOptions { HitCountFlushInterval = TimeSpan.FromSeconds(1) });
        var key = IdempotencyKey.From("tool", "k1");

        // A replay leaves a hit count in memory; the clock then makes a flush due.
        var other = IdempotencyKey.From("tool", "k0");
        await keys.ExecuteAsync(other, _ => Task.FromResult(IdempotencyOutcome.Success("0")));
        await keys.ExecuteAsync(other, _ => Task.FromResult(IdempotencyOutcome.Success("0")));
        clock.Advance(TimeSpan.FromSeconds(2));

        // Another process completes the key inside a write transaction that the claimer's first (lock-free) read cannot see.
        using var writer = new SqliteConnection($"Data Source={path};Pooling=False");
        writer.Open();
        Execute(writer, "BEGIN IMMEDIATE");
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Execute(writer, $"""
            INSERT INTO idempotency_keys (idempotency_key, kind, status, owner, claim_epoch, result, created_at_ms, updated_at_ms, completed_at_ms)
            VALUES ('{key.Value}', 'tool', 'succeeded', 'other-process', 1, 'done', {now}, {now}, {now})
            """);

        var claim = Task.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            var result = keys.TryClaim(key);
            return (result, watch.Elapsed);
        });
        await Task.Delay(LockHeld);
        var released = Stopwatch.StartNew();
        Execute(writer, "COMMIT");

        // An unrelated write from another connection, started just after the lock was handed on.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var unrelated = Stopwatch.StartNew();
        Execute(writer, "BEGIN IMMEDIATE");
        Execute(writer, $"INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('unrelated', {now}, {now})");
        Execute(writer, "COMMIT");
        var unrelatedWait = unrelated.Elapsed;

        var (result, claimTook) = await claim;
        var afterRelease = released.Elapsed;
        output.WriteLine($"claim took {claimTook.TotalMilliseconds:0} ms ({afterRelease.TotalMilliseconds:0} ms after the lock was released); unrelated write waited {unrelatedWait.TotalMilliseconds:0} ms");

        Assert.Equal(IdempotencyClaimStatus.Completed, result.Status);
        Assert.Equal("done", result.Record!.Result);
        // Before the fix: about 5 s each (the flush waited for the claim's own write lock until the busy timeout).
        Assert.True(unrelatedWait < TimeSpan.FromSeconds(1), $"an unrelated write waited {unrelatedWait.TotalMilliseconds:0} ms");
        Assert.True(claimTook < LockHeld + TimeSpan.FromSeconds(1), $"the claim took {claimTook.TotalMilliseconds:0} ms");
    }

    [Fact]
    public void A_completion_that_stays_locked_out_past_the_busy_budget_says_the_effect_happened_and_the_key_is_in_doubt()
    {
        var path = _temp.Combine("keys.db");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = AgentOsStore.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(200), AllowShortBusyTimeout = true });
        using var keys = new IdempotencyStore(store, "owner", clock);
        var key = IdempotencyKey.From("tool", "locked-out");
        var claim = keys.TryClaim(key).Claim!;

        using var blocker = new SqliteConnection($"Data Source={path};Pooling=False");
        blocker.Open();
        Execute(blocker, "BEGIN IMMEDIATE");
        var error = Assert.Throws<IdempotencyOutcomeNotRecordedException>(() => keys.Complete(claim, IdempotencyOutcome.Success("effect")));
        Execute(blocker, "ROLLBACK");

        output.WriteLine(error.Message);
        Assert.Contains("ran, but its outcome was not recorded", error.Message, StringComparison.Ordinal);
        Assert.Contains("in doubt", error.Message, StringComparison.Ordinal);
        Assert.Equal("effect", error.UnrecordedOutcome!.Result);
        Assert.IsType<StoreException>(error.InnerException);
        Assert.Equal(IdempotencyStatus.Pending, keys.Find(key)!.Status);
        clock.Advance(new IdempotencyOptions().ClaimDuration + TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyStatus.InDoubt, keys.Find(key)!.Status);
    }

    [Fact]
    public async Task A_completion_that_meets_a_lock_released_within_the_budget_is_retried_and_recorded()
    {
        var path = _temp.Combine("keys.db");
        using var store = AgentOsStore.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(1500), AllowShortBusyTimeout = true });
        using var keys = new IdempotencyStore(store, "owner");
        var key = IdempotencyKey.From("tool", "briefly-locked");
        var claim = keys.TryClaim(key).Claim!;

        using var blocker = new SqliteConnection($"Data Source={path};Pooling=False");
        blocker.Open();
        Execute(blocker, "BEGIN IMMEDIATE");
        // Held past the first attempt's wait (the busy timeout and the driver's whole seconds of retries), then released.
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2500));
            Execute(blocker, "ROLLBACK");
        });

        var record = keys.Complete(claim, IdempotencyOutcome.Success("effect"));
        await release;

        Assert.Equal(IdempotencyStatus.Succeeded, record.Status);
        Assert.Equal("effect", keys.Find(key)!.Result);
    }

    [Fact]
    public void The_in_doubt_warning_is_logged_after_the_claim_commits_so_a_logger_that_writes_holds_up_nothing()
    {
        var path = _temp.Combine("keys.db");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        // A logger that writes to the same database through a connection of its own, and gives up at once when it is locked.
        var logger = new StoreWritingLogger(path, "ClaimInDoubt");
        using var store = AgentOsStore.Open(path, new StoreOptions { LoggerFactory = logger });
        using var crashed = new IdempotencyStore(store, "crashed-owner", clock);
        using var next = new IdempotencyStore(store, "next-owner", clock);
        var key = IdempotencyKey.From("tool", "in-doubt");
        Assert.Equal(IdempotencyClaimStatus.Acquired, crashed.TryClaim(key).Status);
        clock.Advance(new IdempotencyOptions().ClaimDuration + TimeSpan.FromSeconds(1));

        var taken = next.TryClaim(key);

        Assert.True(taken.Claim!.PreviousAttemptInDoubt);
        // Logged inside the claim's write transaction, the logger's write found the database locked.
        Assert.Equal(["ClaimInDoubt: written"], logger.Results);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
