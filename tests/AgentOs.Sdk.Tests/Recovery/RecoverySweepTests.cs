using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Recovery;

public abstract class RecoverySweepTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(Start);
    private AgentOsStore _store = null!;
    private WorkQueue _queue = null!;

    protected override Task InitializeTestAsync()
    {
        _store = Database.Open();
        _queue = new WorkQueue(_store, _clock);
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public void Nothing_expired_means_nothing_changes()
    {
        var item = _queue.Enqueue("build");
        new LeaseManager(_store, "w1", _clock).TryAcquire(item.Id, TenSeconds);
        _clock.Advance(TimeSpan.FromSeconds(9.999));

        var stats = new RecoverySweep(_store, _clock).ScanAndRecover();

        Assert.Equal(0, stats.ExpiredFound);
        Assert.Equal(0, stats.Recovered);
        Assert.Equal(WorkItemStatus.Leased, _queue.Find(item.Id)!.Status);
    }

    [ConformanceFact]
    public void One_hundred_expired_leases_are_requeued_and_can_be_leased_again()
    {
        var items = _queue.EnqueueRange(Enumerable.Range(0, 100).Select(i => new WorkItemRequest("job") { Id = $"item-{i:D3}" }));
        var crashed = new LeaseManager(_store, "crashed-worker", _clock);
        foreach (var item in items)
        {
            Assert.NotNull(crashed.TryAcquire(item.Id, TenSeconds));
        }

        var fresh = _queue.Enqueue(new WorkItemRequest("job") { Id = "still-held" });
        _clock.Advance(TimeSpan.FromSeconds(5));
        new LeaseManager(_store, "live-worker", _clock).TryAcquire(fresh.Id, TenSeconds);
        _clock.Advance(TimeSpan.FromSeconds(5));

        var stats = new RecoverySweep(_store, _clock).ScanAndRecover();

        Assert.Equal(string.Empty, string.Join("|", stats.ErrorMessages));
        Assert.Equal(100, stats.ExpiredFound);
        Assert.Equal(100, stats.Recovered);
        Assert.Equal(0, stats.FailedAfterMaxAttempts);
        Assert.Equal(0, stats.LeftAlone);
        Assert.Equal(0, stats.Errors);
        Assert.All(items, i =>
        {
            var row = _queue.Find(i.Id)!;
            Assert.Equal(WorkItemStatus.Pending, row.Status);
            Assert.Null(row.LeaseHolder);
            Assert.Null(row.LeaseExpiresAt);
            Assert.Equal(1, row.LeaseEpoch);
            Assert.Equal(1, row.Attempts);
            Assert.Contains("re-queued", row.Error, StringComparison.Ordinal);
            Assert.Contains("'crashed-worker'", row.Error, StringComparison.Ordinal);
        });
        Assert.Equal("live-worker", _queue.Find("still-held")!.LeaseHolder);
        var again = new LeaseManager(_store, "w2", _clock).TryAcquire("item-042", TenSeconds)!;
        Assert.Equal(2, again.Epoch);
        Assert.Equal(2, again.Attempt);
    }

    [ConformanceFact]
    public void Ten_thousand_expired_leases_are_recovered_in_batches_with_limits_respected()
    {
        const int Count = 10_000;
        _queue.EnqueueRange(Enumerable.Range(0, Count).Select(i => new WorkItemRequest("job")
        {
            Id = $"item-{i:D5}",
            // Every tenth item is on its last attempt.
            MaxAttempts = i % 10 == 0 ? 1 : 3,
        }));
        LeaseAllExpiringAt(Start + TenSeconds);
        _queue.Enqueue(new WorkItemRequest("job") { Id = "not-leased" });
        _clock.Advance(TenSeconds);

        var stats = new RecoverySweep(_store, _clock, new RecoverySweepOptions { BatchSize = 1_000 }).ScanAndRecover();

        Assert.Equal(Count, stats.ExpiredFound);
        Assert.Equal(9_000, stats.Recovered);
        Assert.Equal(1_000, stats.FailedAfterMaxAttempts);
        Assert.Equal(0, stats.LeftAlone);
        Assert.Equal(10, stats.Batches);
        Assert.Equal(0, stats.Errors);
        Assert.Equal(9_001, CountWhere("status = 'pending'"));
        Assert.Equal(1_000, CountWhere("status = 'failed' AND max_attempts = 1"));
        Assert.Equal(0, CountWhere("status = 'leased'"));
        Assert.Equal(0, new RecoverySweep(_store, _clock).ScanAndRecover().ExpiredFound);
    }

    [ConformanceFact]
    public void An_expired_lease_on_the_last_attempt_fails_the_item_with_an_error_saying_so()
    {
        var item = _queue.Enqueue(new WorkItemRequest("build") { MaxAttempts = 2 });
        var worker = new LeaseManager(_store, "w1", _clock);
        worker.TryAcquire(item.Id, TenSeconds);
        _clock.Advance(TenSeconds);
        Assert.Equal(1, new RecoverySweep(_store, _clock).ScanAndRecover().Recovered);
        worker.TryAcquire(item.Id, TenSeconds);
        _clock.Advance(TenSeconds);

        var stats = new RecoverySweep(_store, _clock).ScanAndRecover();

        Assert.Equal(1, stats.FailedAfterMaxAttempts);
        Assert.Equal(0, stats.Recovered);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Failed, row.Status);
        Assert.Equal("The lease of worker 'w1' (epoch 2) expired on attempt 2 of 2; no attempts left, the item failed.", row.Error);
        Assert.Equal(_clock.GetUtcNow(), row.CompletedAt);
        Assert.Null(worker.TryAcquire(item.Id, TenSeconds));
    }

    [ConformanceFact]
    public void A_lease_renewed_between_the_scan_and_the_update_is_left_alone()
    {
        var item = _queue.Enqueue("build");
        // The worker's clock runs one second behind the sweep's (another process, another clock).
        var workerClock = new FakeTimeProvider(Start);
        var worker = new LeaseManager(_store, "w1", workerClock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TenSeconds);
        workerClock.Advance(TimeSpan.FromSeconds(9));
        Lease? renewed = null;
        var sweep = new RecoverySweep(_store, _clock)
        {
            // Deterministic interleaving: the scan has seen the lease expired; the worker renews before the update.
            AfterScan = scanned =>
            {
                Assert.Equal(item.Id, Assert.Single(scanned).WorkItemId);
                renewed = worker.Renew(lease, TenSeconds);
            },
        };

        var stats = sweep.ScanAndRecover();

        Assert.Equal(1, stats.ExpiredFound);
        Assert.Equal(0, stats.Recovered);
        Assert.Equal(1, stats.LeftAlone);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Leased, row.Status);
        Assert.Equal("w1", row.LeaseHolder);
        Assert.Equal(renewed!.ExpiresAt, row.LeaseExpiresAt);
        Assert.Equal(WorkItemStatus.Succeeded, worker.Release(renewed, success: true, output: "ran once"));
    }

    [ConformanceFact]
    public void A_takeover_between_the_scan_and_the_update_is_left_alone_because_the_epoch_changed()
    {
        var item = _queue.Enqueue("build");
        new LeaseManager(_store, "w1", _clock).TryAcquire(item.Id, TenSeconds);
        // The successor's clock is behind the sweep's: its fresh one-second lease already looks expired to the sweep.
        var successorClock = new FakeTimeProvider(Start + TenSeconds);
        var successor = new LeaseManager(_store, "w2", successorClock);
        _clock.Advance(TimeSpan.FromSeconds(12));
        Lease? taken = null;
        var sweep = new RecoverySweep(_store, _clock)
        {
            AfterScan = scanned =>
            {
                Assert.Equal(1, Assert.Single(scanned).Epoch);
                taken = successor.TryAcquire(item.Id, TimeSpan.FromSeconds(1));
            },
        };

        var stats = sweep.ScanAndRecover();

        Assert.Equal(1, stats.LeftAlone);
        Assert.Equal(0, stats.Recovered);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Leased, row.Status);
        Assert.Equal("w2", row.LeaseHolder);
        Assert.Equal(2, row.LeaseEpoch);
        Assert.Equal(WorkItemStatus.Succeeded, successor.Release(taken!, success: true));
    }

    [ConformanceFact]
    public void No_write_lock_is_held_between_the_scan_and_the_update_so_other_writers_get_in()
    {
        using var impatient = AgentOsStore.Open(_store.DatabasePath, new StoreOptions { BusyTimeout = TimeSpan.Zero, AllowShortBusyTimeout = true });
        var otherWriter = new WorkQueue(impatient, _clock);
        _queue.EnqueueRange(Enumerable.Range(0, 30).Select(i => new WorkItemRequest("job") { Id = $"item-{i:D2}" }));
        LeaseAllExpiringAt(Start + TenSeconds);
        _clock.Advance(TenSeconds);
        var writes = 0;
        var sweep = new RecoverySweep(_store, _clock, new RecoverySweepOptions { BatchSize = 10 })
        {
            AfterScan = _ =>
            {
                otherWriter.Enqueue(new WorkItemRequest("other") { Id = $"between-{writes}" });
                writes++;
            },
        };

        var stats = sweep.ScanAndRecover();

        Assert.Equal(30, stats.Recovered);
        Assert.Equal(3, stats.Batches);
        Assert.Equal(3, writes);
    }

    [ConformanceFact]
    public void A_batch_the_store_refuses_is_counted_as_an_error_and_changes_nothing()
    {
        _queue.EnqueueRange(Enumerable.Range(0, 5).Select(i => new WorkItemRequest("job") { Id = $"item-{i}" }));
        LeaseAllExpiringAt(Start + TenSeconds);
        _clock.Advance(TenSeconds);
        Execute(Database.Choose(
            sqlite: "CREATE TRIGGER refuse_recovery BEFORE UPDATE OF status ON work_items BEGIN SELECT RAISE(ABORT, 'simulated disk full'); END",
            postgreSql: """
                CREATE FUNCTION refuse_recovery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated disk full'; END $$;
                CREATE TRIGGER refuse_recovery BEFORE UPDATE OF status ON work_items FOR EACH ROW EXECUTE FUNCTION refuse_recovery();
                """));

        var stats = new RecoverySweep(_store, _clock).ScanAndRecover();

        Assert.Equal(5, stats.ExpiredFound);
        Assert.Equal(0, stats.Recovered);
        Assert.Equal(1, stats.Errors);
        Assert.Contains("simulated disk full", Assert.Single(stats.ErrorMessages), StringComparison.Ordinal);
        Assert.Equal(5, CountWhere("status = 'leased'"));
        Execute(Database.Choose(sqlite: "DROP TRIGGER refuse_recovery", postgreSql: "DROP TRIGGER refuse_recovery ON work_items"));
        Assert.Equal(5, new RecoverySweep(_store, _clock).ScanAndRecover().Recovered);
    }

    [ConformanceFact]
    public async Task A_cancelled_sweep_throws_and_changes_nothing()
    {
        var item = _queue.Enqueue("build");
        new LeaseManager(_store, "w1", _clock).TryAcquire(item.Id, TenSeconds);
        _clock.Advance(TenSeconds);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new RecoverySweep(_store, _clock).ScanAndRecoverAsync(cancelled.Token));

        Assert.Equal(WorkItemStatus.Leased, _queue.Find(item.Id)!.Status);
        Assert.Equal(1, (await new RecoverySweep(_store, _clock).ScanAndRecoverAsync()).Recovered);
    }

    [ConformanceFact]
    public void A_batch_size_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecoverySweep(_store, _clock, new RecoverySweepOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecoverySweep(_store, _clock, new RecoverySweepOptions { BatchSize = 10_001 }));
    }

    // Test setup only: puts every pending item under an expiring lease in one statement, as many crashed workers would leave them.
    private void LeaseAllExpiringAt(DateTimeOffset expires) => Execute(string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"""
        UPDATE work_items
        SET status = 'leased', lease_holder = 'crashed-' || substr(work_item_id, length(work_item_id), 1), lease_epoch = lease_epoch + 1,
            attempts = attempts + 1, lease_acquired_at_ms = {Start.ToUnixTimeMilliseconds()}, lease_expires_at_ms = {expires.ToUnixTimeMilliseconds()}
        WHERE status = 'pending'
        """));

    private void Execute(string sql)
    {
        using var connection = _store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long CountWhere(string condition)
    {
        using var connection = _store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM work_items WHERE {condition}";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

public sealed class RecoverySweepTests_Sqlite(SqliteProvider provider) : RecoverySweepTests<SqliteProvider>(provider);

public sealed class RecoverySweepTests_PostgreSql(PostgreSqlProvider provider) : RecoverySweepTests<PostgreSqlProvider>(provider);
