using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Leases;

public abstract class LeaseManagerTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private AgentOsStore _store = null!;
    private WorkQueue _queue = null!;

    protected override Task InitializeTestAsync()
    {
        _store = Database.Open();
        _queue = new WorkQueue(_store, _clock);
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public void Acquire_leases_a_pending_item_with_epoch_1_and_counts_the_attempt()
    {
        var item = _queue.Enqueue(new WorkItemRequest("build", """{"n":1}""") { MaxAttempts = 2 });
        var worker = Manager("w1");

        var lease = worker.TryAcquire(item.Id, TenSeconds);

        Assert.NotNull(lease);
        Assert.Equal(item.Id, lease.WorkItemId);
        Assert.Equal("w1", lease.Holder);
        Assert.Equal(1, lease.Epoch);
        Assert.Equal(1, lease.Attempt);
        Assert.Equal(2, lease.MaxAttempts);
        Assert.Equal("""{"n":1}""", lease.Payload);
        Assert.Equal(_clock.GetUtcNow(), lease.AcquiredAt);
        Assert.Equal(_clock.GetUtcNow() + TenSeconds, lease.ExpiresAt);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Leased, row.Status);
        Assert.Equal("w1", row.LeaseHolder);
        Assert.Equal(1, row.LeaseEpoch);
        Assert.Equal(1, row.Attempts);
    }

    [ConformanceFact]
    public void Acquiring_an_item_that_does_not_exist_returns_null()
    {
        Assert.Null(Manager("w1").TryAcquire("no-such-item", TenSeconds));
        Assert.Null(Manager("w1").TryAcquireNext("no-such-kind", TenSeconds));
    }

    [ConformanceFact]
    public void A_valid_lease_cannot_be_acquired_by_another_worker()
    {
        var item = _queue.Enqueue("build");
        Assert.NotNull(Manager("w1").TryAcquire(item.Id, TenSeconds));

        _clock.Advance(TimeSpan.FromSeconds(9.999));

        Assert.Null(Manager("w2").TryAcquire(item.Id, TenSeconds));
        Assert.Null(Manager("w2").TryAcquireNext("build", TenSeconds));
        Assert.Equal("w1", _queue.Find(item.Id)!.LeaseHolder);
    }

    [ConformanceFact]
    public void An_expired_lease_is_taken_over_directly_with_a_higher_epoch_without_a_sweep()
    {
        var item = _queue.Enqueue("build");
        var first = Manager("w1").TryAcquire(item.Id, TenSeconds)!;

        _clock.Advance(TenSeconds);
        var second = Manager("w2").TryAcquire(item.Id, TenSeconds);

        Assert.NotNull(second);
        Assert.Equal("w2", second.Holder);
        Assert.Equal(first.Epoch + 1, second.Epoch);
        Assert.Equal(2, second.Attempt);
        var row = _queue.Find(item.Id)!;
        Assert.Equal("w2", row.LeaseHolder);
        Assert.Equal(2, row.LeaseEpoch);
    }

    [ConformanceFact]
    public void Acquire_next_takes_the_oldest_pending_item_then_an_expired_lease()
    {
        var older = _queue.Enqueue("build");
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var newer = _queue.Enqueue("build");
        _queue.Enqueue("other-kind");
        var w1 = Manager("w1");

        var a = w1.TryAcquireNext("build", TenSeconds)!;
        var b = w1.TryAcquireNext("build", TenSeconds)!;
        Assert.Null(w1.TryAcquireNext("build", TenSeconds));

        Assert.Equal(older.Id, a.WorkItemId);
        Assert.Equal(newer.Id, b.WorkItemId);
        _clock.Advance(TenSeconds);
        var takeover = Manager("w2").TryAcquireNext("build", TenSeconds)!;
        Assert.Equal(2, takeover.Epoch);
        Assert.Equal("w2", takeover.Holder);
    }

    [ConformanceFact]
    public void Renew_extends_a_held_lease_and_keeps_its_epoch()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;

        _clock.Advance(TimeSpan.FromSeconds(9));
        var renewed = worker.Renew(lease, TenSeconds);

        Assert.Equal(lease.Epoch, renewed.Epoch);
        Assert.Equal(_clock.GetUtcNow() + TenSeconds, renewed.ExpiresAt);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(Manager("w2").TryAcquire(item.Id, TenSeconds));
    }

    [ConformanceFact]
    public void Renew_after_expiry_fails_even_though_no_sweep_ran_and_nobody_took_over()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;

        _clock.Advance(TenSeconds);
        var ex = Assert.Throws<LeaseLostException>(() => worker.Renew(lease, TenSeconds));

        Assert.Equal(LeaseLostReason.Expired, ex.Reason);
        Assert.Equal(item.Id, ex.WorkItemId);
        Assert.Equal(1, ex.Epoch);
        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(lease.ExpiresAt, row.LeaseExpiresAt);
    }

    [ConformanceFact]
    public async Task RenewAsync_after_expiry_fails_too()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");
        var lease = (await worker.TryAcquireAsync(item.Id, TenSeconds))!;

        _clock.Advance(TimeSpan.FromSeconds(11));

        var ex = await Assert.ThrowsAsync<LeaseLostException>(() => worker.RenewAsync(lease, TenSeconds));
        Assert.Equal(LeaseLostReason.Expired, ex.Reason);
    }

    [ConformanceFact]
    public void Renew_after_a_takeover_fails_as_superseded_and_names_the_new_holder()
    {
        var item = _queue.Enqueue("build");
        var zombie = Manager("w1");
        var lease = zombie.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TenSeconds);
        Manager("w2").TryAcquire(item.Id, TenSeconds);

        var ex = Assert.Throws<LeaseLostException>(() => zombie.Renew(lease, TenSeconds));

        Assert.Equal(LeaseLostReason.Superseded, ex.Reason);
        Assert.Equal("w2", ex.Current!.LeaseHolder);
        Assert.Equal(2, ex.Current.LeaseEpoch);
        Assert.Contains("'w2'", ex.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Release_with_success_stores_the_output_and_finishes_the_item()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;

        var status = worker.Release(lease, success: true, output: """{"ok":true}""");

        Assert.Equal(WorkItemStatus.Succeeded, status);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Succeeded, row.Status);
        Assert.Equal("""{"ok":true}""", row.Output);
        Assert.Null(row.LeaseHolder);
        Assert.Equal(_clock.GetUtcNow(), row.CompletedAt);
        Assert.Null(Manager("w2").TryAcquire(item.Id, TenSeconds));
    }

    [ConformanceFact]
    public void Release_of_a_failure_requeues_while_attempts_remain_and_fails_on_the_last()
    {
        var item = _queue.Enqueue(new WorkItemRequest("build") { MaxAttempts = 2 });
        var worker = Manager("w1");

        var first = worker.TryAcquire(item.Id, TenSeconds)!;
        Assert.Equal(WorkItemStatus.Pending, worker.Release(first, success: false, error: "boom 1"));
        Assert.Equal("boom 1", _queue.Find(item.Id)!.Error);

        var second = worker.TryAcquire(item.Id, TenSeconds)!;
        Assert.Equal(2, second.Epoch);
        Assert.Equal(WorkItemStatus.Failed, worker.Release(second, success: false, error: "boom 2"));

        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Failed, row.Status);
        Assert.Equal("boom 2", row.Error);
        Assert.Null(worker.TryAcquire(item.Id, TenSeconds));
    }

    [ConformanceFact]
    public void Release_by_a_worker_that_lost_the_lease_to_a_takeover_fails_and_records_nothing()
    {
        var item = _queue.Enqueue("build");
        var zombie = Manager("w1");
        var stale = zombie.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TimeSpan.FromSeconds(12));
        var successor = Manager("w2");
        var current = successor.TryAcquire(item.Id, TenSeconds)!;

        var ex = Assert.Throws<LeaseLostException>(() => zombie.Release(stale, success: true, output: "zombie output"));

        Assert.Equal(LeaseLostReason.Superseded, ex.Reason);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Leased, row.Status);
        Assert.Null(row.Output);
        Assert.Equal("w2", row.LeaseHolder);
        Assert.Equal(WorkItemStatus.Succeeded, successor.Release(current, success: true, output: "real output"));
        Assert.Equal("real output", _queue.Find(item.Id)!.Output);
    }

    [ConformanceFact]
    public void Release_after_expiry_fails_even_when_nobody_took_over()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TenSeconds);

        var ex = Assert.Throws<LeaseLostException>(() => worker.Release(lease, success: true, output: "late"));

        Assert.Equal(LeaseLostReason.Expired, ex.Reason);
        Assert.Null(_queue.Find(item.Id)!.Output);
    }

    [ConformanceFact]
    public void Release_by_a_worker_that_never_held_the_lease_fails()
    {
        var item = _queue.Enqueue("build");
        var lease = Manager("w1").TryAcquire(item.Id, TenSeconds)!;
        var other = Manager("w2");

        var ex = Assert.Throws<LeaseLostException>(() => other.Release(lease, success: true, output: "not mine"));

        Assert.Equal(LeaseLostReason.NotHolder, ex.Reason);
        var row = _queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Leased, row.Status);
        Assert.Equal("w1", row.LeaseHolder);
    }

    [ConformanceFact]
    public void A_second_release_fails_as_not_leased()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        worker.Release(lease, success: true, output: "first");

        var ex = Assert.Throws<LeaseLostException>(() => worker.Release(lease, success: true, output: "second"));

        Assert.Equal(LeaseLostReason.NotLeased, ex.Reason);
        Assert.Equal("first", _queue.Find(item.Id)!.Output);
    }

    [ConformanceFact]
    public void A_zombies_fenced_write_is_refused_and_the_current_holders_write_is_accepted()
    {
        var item = _queue.Enqueue("build");
        CreateResultsTable();
        var zombie = Manager("w1");
        var stale = zombie.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TenSeconds);
        var successor = Manager("w2");
        var current = successor.TryAcquire(item.Id, TenSeconds)!;
        var zombieWriteRan = false;

        var ex = Assert.Throws<LeaseLostException>(() => zombie.ExecuteFenced(stale, transaction =>
        {
            zombieWriteRan = true;
            InsertResult(transaction, "from zombie");
        }));
        successor.ExecuteFenced(current, transaction => InsertResult(transaction, "from successor"));

        Assert.Equal(LeaseLostReason.Superseded, ex.Reason);
        Assert.False(zombieWriteRan);
        Assert.Equal(["from successor"], ReadResults());
    }

    [ConformanceFact]
    public async Task A_zombies_async_fenced_write_is_refused()
    {
        var item = _queue.Enqueue("build");
        CreateResultsTable();
        var zombie = Manager("w1");
        var stale = zombie.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TenSeconds);
        Manager("w2").TryAcquire(item.Id, TenSeconds);

        await Assert.ThrowsAsync<LeaseLostException>(() => zombie.ExecuteFencedAsync(stale, (transaction, _) =>
        {
            InsertResult(transaction, "from zombie");
            return Task.CompletedTask;
        }));

        Assert.Empty(ReadResults());
    }

    [ConformanceFact]
    public void A_write_guarded_by_IsCurrent_in_the_callers_own_transaction_is_refused_after_the_lease_expired()
    {
        var item = _queue.Enqueue("build");
        CreateResultsTable();
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;

        _store.ExecuteWrite(transaction =>
        {
            Assert.True(worker.IsCurrent(lease, transaction));
            InsertResult(transaction, "in time");
            return true;
        });

        _clock.Advance(TenSeconds);
        _store.ExecuteWrite(transaction =>
        {
            Assert.False(worker.IsCurrent(lease, transaction));
            var ex = Assert.Throws<LeaseLostException>(() => worker.EnsureCurrent(lease, transaction));
            Assert.Equal(LeaseLostReason.Expired, ex.Reason);
            return false;
        });

        Assert.Equal(["in time"], ReadResults());
    }

    [ConformanceFact]
    public async Task The_asynchronous_checks_in_the_callers_own_transaction_refuse_a_write_after_the_lease_expired()
    {
        var item = _queue.Enqueue("build");
        CreateResultsTable();
        var worker = Manager("w1");
        var lease = (await worker.TryAcquireAsync(item.Id, TenSeconds))!;

        await _store.ExecuteWriteAsync(async (transaction, _) =>
        {
            Assert.True(await worker.IsCurrentAsync(lease, transaction));
            await worker.EnsureCurrentAsync(lease, transaction);
            InsertResult(transaction, "in time");
            return true;
        });

        _clock.Advance(TenSeconds);
        await _store.ExecuteWriteAsync(async (transaction, _) =>
        {
            Assert.False(await worker.IsCurrentAsync(lease, transaction));
            var ex = await Assert.ThrowsAsync<LeaseLostException>(() => worker.EnsureCurrentAsync(lease, transaction));
            Assert.Equal(LeaseLostReason.Expired, ex.Reason);
            return false;
        });

        Assert.Equal(["in time"], ReadResults());
    }

    [ConformanceFact]
    public void A_fenced_write_that_throws_is_rolled_back()
    {
        var item = _queue.Enqueue("build");
        CreateResultsTable();
        var worker = Manager("w1");
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;

        Assert.Throws<InvalidOperationException>(() => worker.ExecuteFenced(lease, transaction =>
        {
            InsertResult(transaction, "half");
            throw new InvalidOperationException("the write failed half way");
        }));

        Assert.Empty(ReadResults());
    }

    [ConformanceFact]
    public void No_item_is_acquired_after_its_last_attempt_and_the_next_worker_gets_nothing()
    {
        var item = _queue.Enqueue(new WorkItemRequest("build") { MaxAttempts = 1 });
        Manager("w1").TryAcquire(item.Id, TenSeconds);
        _clock.Advance(TenSeconds);

        Assert.Null(Manager("w2").TryAcquire(item.Id, TenSeconds));
        Assert.Null(Manager("w2").TryAcquireNext("build", TenSeconds));
    }

    [ConformanceFact]
    public void Concurrent_workers_never_acquire_the_same_item_twice()
    {
        const int Workers = 8;
        const int Items = 200;
        _queue.EnqueueRange(Enumerable.Range(0, Items).Select(i => new WorkItemRequest("job", $$"""{"i":{{i}}}""")));
        var acquired = new List<Lease>[Workers];
        var errors = new Exception?[Workers];
        using var start = new Barrier(Workers);
        var threads = Enumerable.Range(0, Workers).Select(w => new Thread(() =>
        {
            // An exception on a raw thread would take the whole test host down: keep it and fail this test instead.
            try
            {
                var manager = new LeaseManager(_store, $"w{w}", _clock);
                var mine = new List<Lease>();
                start.SignalAndWait();
                while (manager.TryAcquireNext("job", TimeSpan.FromMinutes(5)) is { } lease)
                {
                    mine.Add(lease);
                }

                acquired[w] = mine;
            }
            catch (Exception ex)
            {
                errors[w] = ex;
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(errors, e => Assert.Null(e));

        var all = acquired.SelectMany(l => l).ToList();
        Assert.Equal(Items, all.Count);
        Assert.Equal(Items, all.Select(l => l.WorkItemId).Distinct().Count());
        Assert.All(all, l => Assert.Equal(1, l.Epoch));
    }

    [ConformanceFact]
    public async Task Four_hosts_each_with_its_own_store_drain_one_queue_and_claim_each_item_once()
    {
        const int Items = 200;
        _queue.EnqueueRange(Enumerable.Range(0, Items).Select(i => new WorkItemRequest("job", $$"""{"i":{{i}}}""")));

        // Each host opens the database itself, as a separate process or machine would: its own pool and connections.
        var claimed = await Task.WhenAll(Enumerable.Range(0, 4).Select(h => Task.Run(async () =>
        {
            var store = await Database.OpenAsync();
            var leases = new LeaseManager(store, $"host-{h}", _clock);
            var mine = new List<string>();
            while (await leases.TryAcquireNextAsync("job", TimeSpan.FromMinutes(1)) is { } lease)
            {
                mine.Add(lease.WorkItemId);
                Assert.Equal(WorkItemStatus.Succeeded, await leases.ReleaseAsync(lease, success: true, output: $"host-{h}"));
            }

            return mine;
        })));

        var all = claimed.SelectMany(c => c).ToList();
        Assert.Equal(Items, all.Count);
        Assert.Equal(Items, all.Distinct().Count());
        Assert.Equal(Items, await Database.ScalarAsync<long>("SELECT count(*) FROM work_items WHERE status = 'succeeded' AND attempts = 1"));
    }

    [ConformanceFact]
    public void Durations_outside_the_allowed_range_are_refused()
    {
        var item = _queue.Enqueue("build");
        var worker = Manager("w1");

        Assert.Throws<ArgumentOutOfRangeException>(() => worker.TryAcquire(item.Id, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => worker.TryAcquire(item.Id, TimeSpan.FromDays(400)));
        Assert.Equal(WorkItemStatus.Pending, _queue.Find(item.Id)!.Status);
    }

    private LeaseManager Manager(string workerId) => new(_store, workerId, _clock);

    private void CreateResultsTable()
    {
        using var connection = _store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE results (value TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    private static void InsertResult(StoreTransaction transaction, string value)
    {
        using var command = transaction.CreateCommand("INSERT INTO results (value) VALUES (@v)");
        command.SetParameter("@v", value);
        command.ExecuteNonQuery();
    }

    private List<string> ReadResults()
    {
        using var connection = _store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM results ORDER BY value";
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}

public sealed class LeaseManagerTests_Sqlite(SqliteProvider provider) : LeaseManagerTests<SqliteProvider>(provider);

public sealed class LeaseManagerTests_PostgreSql(PostgreSqlProvider provider) : LeaseManagerTests<PostgreSqlProvider>(provider);
