using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Leases;

/// <summary>
/// Issue 14's shape in the lease module: a lost lease is found inside a write transaction (renew, release, a fenced write),
/// but its log event must run after that transaction ends, so that a logger that writes to the store, or blocks, never
/// does so while the write lock is held.
/// </summary>
public sealed class LeaseLostReportingTests : IDisposable
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_lost_lease_is_logged_after_its_transaction_ends_on_renew_release_and_fenced_writes()
    {
        var path = _temp.Combine("leases.db");
        var logger = new StoreWritingLogger(path, "LeaseLost");
        using var store = AgentOsStore.Open(path, new StoreOptions { LoggerFactory = logger });
        var queue = new WorkQueue(store, _clock);
        var zombie = new LeaseManager(store, "zombie", _clock);
        var item = queue.Enqueue(new WorkItemRequest("build", null));
        var lease = zombie.TryAcquire(item.Id, TenSeconds)!;
        _clock.Advance(TimeSpan.FromSeconds(11));

        Assert.Throws<LeaseLostException>(() => zombie.Renew(lease, TenSeconds));
        Assert.Throws<LeaseLostException>(() => zombie.Release(lease, success: true));
        Assert.Throws<LeaseLostException>(() => zombie.ExecuteFenced(lease, _ => Assert.Fail("a lost lease must not run the write")));
        await Assert.ThrowsAsync<LeaseLostException>(() => zombie.RenewAsync(lease, TenSeconds));
        await Assert.ThrowsAsync<LeaseLostException>(() => zombie.ExecuteFencedAsync(lease, (_, _) => Task.CompletedTask));

        // Each loss logged once, and each log line's own write went through (inside the transaction: "database is locked").
        Assert.Equal(Enumerable.Repeat("LeaseLost: written", 5), logger.Results);
    }
}
