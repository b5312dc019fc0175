using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 8: 20 worker processes write checkpoints of one task into one shared database at the same time: every write
/// lands (the peer loses 10%), and the task's sequence numbers are 1..N with no gap and no duplicate.
/// </summary>
public sealed class SharedDatabaseContentionDrill : ChaosDrill
{
    private const int Workers = 20;
    private const int CheckpointsPerWorker = 25;
    private const string TaskId = "contention-task";

    /// <inheritdoc />
    public override int Number => 8;

    /// <inheritdoc />
    public override string Name => "Scenario8_SharedDatabaseContention";

    /// <inheritdoc />
    public override string Description => "20 processes write checkpoints of one task to one database: every write lands, sequence numbers have no gap.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        context.OpenStore("shared").Dispose();
        var options = context.WorkerOptions("pool");
        context.PassStore(options, "shared");
        options.Arguments["checkpoints"] = CheckpointsPerWorker;

        context.Report(string.Create(CultureInfo.InvariantCulture, $"{Workers} processes x {CheckpointsPerWorker} checkpoints into one database"));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = await WorkerPool.RunAsync(Workers, WriteAsync, options, cancellationToken).ConfigureAwait(false);
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        foreach (var result in results)
        {
            context.Require(result.Succeeded, string.Create(CultureInfo.InvariantCulture, $"worker {result.WorkerId} failed ({result.Outcome}): {result.StderrTail}"));
        }

        using var store = context.OpenStore("shared");
        using var checkpoints = new CheckpointManager(store);
        var list = checkpoints.ListCheckpoints(TaskId);
        const int Expected = Workers * CheckpointsPerWorker;
        context.RequireEqual(Expected, list.Count, "checkpoints that landed");
        context.Require(list.Select(c => c.SequenceNumber).Order().SequenceEqual(Enumerable.Range(1, Expected).Select(i => (long)i)), $"sequence numbers are not 1..{Expected}");
        var perWorker = list.GroupBy(c => c.Snapshot.GetProperty("worker").GetInt32()).ToDictionary(g => g.Key, g => g.Count());
        context.Require(Enumerable.Range(0, Workers).All(w => perWorker.GetValueOrDefault(w) == CheckpointsPerWorker), "a worker's checkpoints are missing");

        var rate = Expected / elapsed.TotalSeconds;
        context.Measure("checkpoints", Expected);
        context.Measure("checkpoints_per_second", rate);
        return string.Create(CultureInfo.InvariantCulture, $"{Expected}/{Expected} writes landed from {Workers} processes ({rate:0} checkpoints/s incl. process start)");
    }

    private static async Task<int> WriteAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using var store = ChaosWorkerStore.Open(context);
        using var checkpoints = new CheckpointManager(store);
        var count = DrillStore.Argument<int>(context, "checkpoints");
        for (var i = 1; i <= count; i++)
        {
            using var snapshot = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"worker\":{context.WorkerId},\"i\":{i}}}"));
            await checkpoints.CreateCheckpointAsync(
                TaskId, "write", snapshot.RootElement, new EvidencePack([new CommandExitEvidence("write", 0)]), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }
}
