using System.Globalization;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 4: 100 work items leased by workers that then vanish; after expiry one recovery sweep re-queues all 100,
/// and leases renewed in time are left alone.
/// </summary>
public sealed class RecoverySweepStressDrill : ChaosDrill
{
    private const int Expired = 100;
    private const int Renewed = 10;
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public override int Number => 4;

    /// <inheritdoc />
    public override string Name => "Scenario4_RecoverySweepStress";

    /// <inheritdoc />
    public override string Description => "100 expired leases recovered by one sweep; renewed leases are left alone.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        using var store = context.OpenStore("sweep", followCallerClock: true);
        var queue = new WorkQueue(store);
        queue.EnqueueRange(Enumerable.Range(0, Expired + Renewed).Select(i => new WorkItemRequest("drill", string.Create(CultureInfo.InvariantCulture, $"{{\"n\":{i}}}"))));

        var lost = new LeaseManager(store, "vanished-worker");
        var alive = new LeaseManager(store, "alive-worker");
        var aliveLeases = new List<Lease>();
        for (var i = 0; i < Expired + Renewed; i++)
        {
            var manager = i < Expired ? lost : alive;
            var lease = manager.TryAcquireNext("drill", LeaseDuration);
            context.Require(lease is not null, "could not lease a pending item");
            if (i >= Expired)
            {
                aliveLeases.Add(lease!);
            }
        }

        // Stand past the expiry; the live worker renews first, the vanished one cannot.
        var later = new OffsetTimeProvider(LeaseDuration - TimeSpan.FromSeconds(5));
        var renewer = new LeaseManager(store, "alive-worker", later);
        foreach (var lease in aliveLeases)
        {
            renewer.Renew(lease, LeaseDuration);
        }

        var sweep = new RecoverySweep(store, new OffsetTimeProvider(LeaseDuration + TimeSpan.FromSeconds(1)));
        var stats = sweep.ScanAndRecover();
        context.RequireEqual(Expired, stats.ExpiredFound, "expired leases found");
        context.RequireEqual(Expired, stats.Recovered, "leases re-queued");
        context.RequireEqual(0, stats.Errors, "sweep errors");
        context.RequireEqual(0, stats.FailedAfterMaxAttempts, "items failed after max attempts");
        foreach (var lease in aliveLeases)
        {
            context.RequireEqual(WorkItemStatus.Leased, queue.Find(lease.WorkItemId)!.Status, $"status of renewed item {lease.WorkItemId}");
        }

        context.Measure("recovered", stats.Recovered);
        context.Measure("sweep_ms", stats.Duration.TotalMilliseconds);
        return Task.FromResult(string.Create(CultureInfo.InvariantCulture, $"{stats.Recovered} leases recovered in {stats.Duration.TotalMilliseconds:0.0} ms; {Renewed} renewed left alone"));
    }
}
