using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// The asynchronous idempotency calls wait for the database without holding the caller's thread: while another session
/// holds the key's row lock, the call has already returned an unfinished task, its statement waits at the server, and it
/// finishes once the lock is released. PostgreSQL only: SQLite's driver has no asynchronous I/O (its asynchronous calls
/// complete before they return, by design), so there is nothing to show on it. The tests share one database (distinct keys).
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlAsyncIdempotencyTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [PostgresFact]
    public async Task A_claim_that_waits_for_a_row_lock_returns_to_its_caller_at_once_and_runs_once_the_lock_is_released()
    {
        using var store = await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(server.ConnectionString));
        using var keys = new IdempotencyStore(store, "owner");
        var key = IdempotencyKey.From("test", "claim-waits");
        // A failed first attempt: the next call takes the key over under its row lock.
        await Assert.ThrowsAsync<InvalidOperationException>(() => keys.ExecuteAsync(key, _ => throw new InvalidOperationException("first attempt")));
        var runs = 0;

        Task<IdempotentResult> pending;
        await using (var holder = await LockRowAsync(key))
        {
            pending = keys.ExecuteAsync(key, _ => Task.FromResult(IdempotencyOutcome.Success($"run {++runs}")));

            Assert.False(pending.IsCompleted);
            await WaitForLockWaiterAsync();
            Assert.False(pending.IsCompleted);
            Assert.Equal(0, runs);
        }

        var result = await pending.WaitAsync(Bound);
        Assert.Equal(1, runs);
        Assert.Equal("run 1", result.Outcome.Result);
        Assert.Equal(IdempotencyStatus.Succeeded, (await keys.FindAsync(key))!.Status);
    }

    [PostgresFact]
    public async Task Recording_an_outcome_that_waits_for_a_row_lock_returns_to_its_caller_at_once()
    {
        using var store = await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(server.ConnectionString));
        using var keys = new IdempotencyStore(store, "owner");
        var key = IdempotencyKey.From("test", "complete-waits");
        var claim = (await keys.TryClaimAsync(key)).Claim!;

        Task<IdempotencyRecord> pending;
        await using (var holder = await LockRowAsync(key))
        {
            pending = keys.CompleteAsync(claim, IdempotencyOutcome.Success("done"));

            Assert.False(pending.IsCompleted);
            await WaitForLockWaiterAsync();
            Assert.False(pending.IsCompleted);
        }

        Assert.Equal(IdempotencyStatus.Succeeded, (await pending.WaitAsync(Bound)).Status);
    }

    [PostgresFact]
    public async Task An_outcome_whose_token_is_cancelled_while_its_write_waits_is_still_recorded()
    {
        using var store = await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(server.ConnectionString));
        using var keys = new IdempotencyStore(store, "owner");
        var key = IdempotencyKey.From("test", "complete-cancelled");
        var claim = (await keys.TryClaimAsync(key)).Claim!;
        using var cancellation = new CancellationTokenSource();

        Task<IdempotencyRecord> pending;
        await using (var holder = await LockRowAsync(key))
        {
            pending = keys.CompleteAsync(claim, IdempotencyOutcome.Success("done"), cancellationToken: cancellation.Token);
            await WaitForLockWaiterAsync();
            // The operation has run: abandoning its outcome now would leave the key claimed and later in doubt.
            await cancellation.CancelAsync();
        }

        Assert.Equal(IdempotencyStatus.Succeeded, (await pending.WaitAsync(Bound)).Status);
        Assert.Equal("done", (await keys.FindAsync(key))!.Result);
    }

    [PostgresFact]
    public async Task An_outcome_whose_token_is_cancelled_before_it_begins_writes_nothing()
    {
        using var store = await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(server.ConnectionString));
        using var keys = new IdempotencyStore(store, "owner");
        var key = IdempotencyKey.From("test", "complete-cancelled-before");
        var claim = (await keys.TryClaimAsync(key)).Claim!;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => keys.CompleteAsync(claim, IdempotencyOutcome.Success("done"), cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal(IdempotencyStatus.Pending, (await keys.FindAsync(key))!.Status);
    }

    [PostgresFact]
    public async Task A_tool_ledger_call_that_waits_for_a_row_lock_returns_to_its_caller_at_once()
    {
        using var store = await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(server.ConnectionString));
        using var keys = new IdempotencyStore(store, "owner");
        var ledger = new ToolLedger(keys);
        // A failed run is not replayed: the next call claims the key again, under its row lock.
        await ledger.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(2, string.Empty, "failed")));

        Task<ToolLedgerResult> pending;
        await using (var holder = await LockRowAsync(ToolLedger.CreateKey("sh", "make")))
        {
            pending = ledger.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(0, "built", string.Empty)));

            Assert.False(pending.IsCompleted);
            await WaitForLockWaiterAsync();
            Assert.False(pending.IsCompleted);
        }

        var result = await pending.WaitAsync(Bound);
        Assert.False(result.Replayed);
        Assert.Equal("built", result.Result.Stdout);
    }

    /// <summary>The key's row locked by another session (an open transaction), as another host mid-claim would hold it.</summary>
    private Task<HeldRows> LockRowAsync(IdempotencyKey key) =>
        HeldRows.LockAsync(server.ConnectionString, "SELECT 1 FROM idempotency_keys WHERE idempotency_key = @key FOR UPDATE", ("key", key.Value));

    private Task WaitForLockWaiterAsync() => HeldRows.WaitForLockWaiterAsync(server.ConnectionString);
}
