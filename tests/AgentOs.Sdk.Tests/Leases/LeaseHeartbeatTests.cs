using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Leases;

public abstract class LeaseHeartbeatTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ThreeSeconds = TimeSpan.FromSeconds(3);

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
    public async Task A_heartbeat_keeps_the_lease_alive_well_past_its_first_expiry()
    {
        var item = _queue.Enqueue("build");
        var worker = new LeaseManager(_store, "w1", _clock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        await using var heartbeat = worker.StartHeartbeat(lease, ThreeSeconds);

        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(ThreeSeconds);
        }

        Assert.False(heartbeat.IsLost);
        Assert.Equal(10, heartbeat.Renewals);
        Assert.Equal(_clock.GetUtcNow() + TenSeconds, heartbeat.Lease.ExpiresAt);
        Assert.Equal(lease.Epoch, heartbeat.Lease.Epoch);
        Assert.Null(new LeaseManager(_store, "w2", _clock).TryAcquire(item.Id, TenSeconds));
        Assert.Equal(WorkItemStatus.Succeeded, worker.Release(heartbeat.Lease, success: true, output: "done"));
    }

    [ConformanceFact]
    public async Task A_lost_lease_is_reported_at_the_first_failed_renewal()
    {
        var item = _queue.Enqueue("build");
        var worker = new LeaseManager(_store, "w1", _clock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        await using var heartbeat = worker.StartHeartbeat(lease, ThreeSeconds);
        LeaseLostEventArgs? raised = null;
        heartbeat.Lost += (_, e) => raised = e;
        // Another process whose clock runs 11 s ahead sees the lease expired and takes the item over.
        var aheadClock = new FakeTimeProvider(_clock.GetUtcNow() + TimeSpan.FromSeconds(11));
        Assert.NotNull(new LeaseManager(_store, "w2", aheadClock).TryAcquire(item.Id, TenSeconds));

        Assert.False(heartbeat.LeaseLost.IsCancellationRequested);
        _clock.Advance(ThreeSeconds);

        Assert.True(heartbeat.LeaseLost.IsCancellationRequested);
        Assert.True(heartbeat.IsLost);
        Assert.Equal(0, heartbeat.Renewals);
        Assert.NotNull(raised);
        Assert.Equal(LeaseLostReason.Superseded, raised.Reason);
        Assert.Same(heartbeat.Failure, raised.Exception);
        Assert.Throws<LeaseLostException>(heartbeat.ThrowIfLost);
    }

    [ConformanceFact]
    public async Task A_renewal_the_store_refuses_reports_the_loss_at_once_without_retrying()
    {
        var item = _queue.Enqueue("build");
        var worker = new LeaseManager(_store, "w1", _clock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        await using var heartbeat = worker.StartHeartbeat(lease, ThreeSeconds);
        _clock.Advance(ThreeSeconds);
        Assert.Equal(1, heartbeat.Renewals);

        // The store starts refusing writes to the lease (as a full disk or an I/O error would): the next renewal fails.
        Execute(Database.Choose(
            sqlite: "CREATE TRIGGER refuse_renewal BEFORE UPDATE OF lease_expires_at_ms ON work_items BEGIN SELECT RAISE(ABORT, 'simulated I/O failure'); END",
            postgreSql: """
                CREATE FUNCTION refuse_renewal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated I/O failure'; END $$;
                CREATE TRIGGER refuse_renewal BEFORE UPDATE OF lease_expires_at_ms ON work_items FOR EACH ROW EXECUTE FUNCTION refuse_renewal();
                """));
        _clock.Advance(ThreeSeconds);

        Assert.True(heartbeat.LeaseLost.IsCancellationRequested);
        Assert.Equal(LeaseLostReason.RenewalFailed, heartbeat.Failure!.Reason);
        Assert.IsType<StoreException>(heartbeat.Failure.InnerException);
        Assert.Contains("simulated I/O failure", heartbeat.Failure.Message, StringComparison.Ordinal);

        // Stopped for good: the store accepts writes again, yet no later tick renews the lease behind the worker's back.
        Execute(Database.Choose(sqlite: "DROP TRIGGER refuse_renewal", postgreSql: "DROP TRIGGER refuse_renewal ON work_items"));
        _clock.Advance(ThreeSeconds);
        Assert.Equal(1, heartbeat.Renewals);
    }

    [ConformanceFact]
    public async Task A_lease_lost_token_stops_the_work_it_was_passed_to()
    {
        var item = _queue.Enqueue("build");
        var worker = new LeaseManager(_store, "w1", _clock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        await using var heartbeat = worker.StartHeartbeat(lease, ThreeSeconds);
        var work = Task.Delay(Timeout.InfiniteTimeSpan, heartbeat.LeaseLost);

        Execute("DELETE FROM work_items");

        _clock.Advance(ThreeSeconds);

        // Cancelled inside the failed tick itself, not later.
        Assert.True(work.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => work);
        Assert.Equal(LeaseLostReason.NotFound, heartbeat.Failure!.Reason);
    }

    [ConformanceFact]
    public async Task Disposing_stops_renewing_but_keeps_the_lease_until_it_expires()
    {
        var item = _queue.Enqueue("build");
        var worker = new LeaseManager(_store, "w1", _clock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;
        var heartbeat = worker.StartHeartbeat(lease, ThreeSeconds);
        _clock.Advance(ThreeSeconds);
        var renewed = heartbeat.Lease;

        await heartbeat.DisposeAsync();
        _clock.Advance(ThreeSeconds);

        Assert.Equal(1, heartbeat.Renewals);
        Assert.False(heartbeat.LeaseLost.IsCancellationRequested);
        Assert.Equal(renewed.ExpiresAt, _queue.Find(item.Id)!.LeaseExpiresAt);
        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.NotNull(new LeaseManager(_store, "w2", _clock).TryAcquire(item.Id, TenSeconds));
    }

    [ConformanceFact]
    public void An_interval_that_cannot_keep_the_lease_alive_is_refused()
    {
        var item = _queue.Enqueue("build");
        var worker = new LeaseManager(_store, "w1", _clock);
        var lease = worker.TryAcquire(item.Id, TenSeconds)!;

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => worker.StartHeartbeat(lease, TenSeconds));
        Assert.Contains("interval", ex.Message, StringComparison.Ordinal);
    }

    private void Execute(string sql)
    {
        using var connection = _store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

public sealed class LeaseHeartbeatTests_Sqlite(SqliteProvider provider) : LeaseHeartbeatTests<SqliteProvider>(provider);

public sealed class LeaseHeartbeatTests_PostgreSql(PostgreSqlProvider provider) : LeaseHeartbeatTests<PostgreSqlProvider>(provider);
