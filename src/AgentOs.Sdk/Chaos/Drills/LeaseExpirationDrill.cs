using System.Globalization;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 3: worker A takes a lease and is killed with SIGKILL; while the lease runs nobody can take it; once it has
/// expired worker B takes it over directly (no sweep needed) with a higher fencing token, and the zombie A can neither
/// renew, release, nor write under its old token.
/// </summary>
public sealed class LeaseExpirationDrill : ChaosDrill
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public override int Number => 3;

    /// <inheritdoc />
    public override string Name => "Scenario3_LeaseExpiration";

    /// <inheritdoc />
    public override string Description => "A lease holder dies; after expiry a second worker takes over with a higher fencing token; the zombie is refused.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        string workItemId;
        using (var store = context.OpenStore("leases", followCallerClock: true))
        {
            workItemId = new WorkQueue(store).Enqueue("drill", "{\"job\":\"lease-expiration\"}").Id;
        }

        var options = context.WorkerOptions("pool");
        context.PassStore(options, "leases", followCallerClock: true);
        options.Arguments["work_item"] = workItemId;
        long epochA;
        await using (var run = WorkerPool.Start(1, HoldLeaseAsync, options))
        {
            var worker = run.Workers[0];
            var line = await worker.WaitForOutputAsync(l => l.StartsWith("leased ", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            epochA = long.Parse(line["leased ".Length..], CultureInfo.InvariantCulture);
            worker.Kill();
            context.RequireEqual(9, (await worker.WaitForExitAsync(cancellationToken).ConfigureAwait(false)).Signal, "signal that ended worker A");
        }

        context.Report(string.Create(CultureInfo.InvariantCulture, $"worker A held epoch {epochA} and was killed"));
        using (var store = context.OpenStore("leases", followCallerClock: true))
        {
            var now = new LeaseManager(store, "worker-b");
            context.Require(now.TryAcquire(workItemId, LeaseDuration) is null, "worker B took a lease that had not expired yet");

            // Stand just past the expiry instead of waiting for it.
            var later = new OffsetTimeProvider(LeaseDuration + TimeSpan.FromSeconds(1));
            var workerB = new LeaseManager(store, "worker-b", later);
            var leaseB = workerB.TryAcquire(workItemId, LeaseDuration);
            context.Require(leaseB is not null, "worker B could not take over the expired lease");
            context.RequireEqual(epochA + 1, leaseB!.Epoch, "fencing token after takeover");

            var zombie = new LeaseManager(store, "worker-a", later);
            var zombieLease = leaseB with { Holder = "worker-a", Epoch = epochA };
            context.Require(Refused(() => zombie.Renew(zombieLease, LeaseDuration)), "the zombie renewed a lease it lost");
            context.Require(Refused(() => zombie.Release(zombieLease, success: true, output: "late")), "the zombie released a lease it lost");
            context.Require(Refused(() => zombie.ExecuteFenced(zombieLease, _ => { })), "the zombie wrote under a stale fencing token");
            context.RequireEqual(WorkItemStatus.Succeeded, workerB.Release(leaseB, success: true, output: "done by B"), "status after B releases");
            context.Measure("epoch_a", epochA);
            context.Measure("epoch_b", leaseB.Epoch);
            return string.Create(CultureInfo.InvariantCulture, $"B took over at epoch {leaseB.Epoch} (A had {epochA}); 3 zombie writes refused");
        }
    }

    private static bool Refused(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (LeaseLostException)
        {
            return true;
        }
    }

    private static async Task<int> HoldLeaseAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using var store = ChaosWorkerStore.Open(context);
        var lease = new LeaseManager(store, "worker-a").TryAcquire(DrillStore.Argument<string>(context, "work_item"), LeaseDuration);
        if (lease is null)
        {
            await Console.Error.WriteLineAsync("worker A could not acquire the lease").ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"leased {lease.Epoch}"));
        // Hold the lease until killed: the drill is about what happens after a holder dies.
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
