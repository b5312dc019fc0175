using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 2: 10 worker processes write 10 checkpoints each, one database per worker (the seed's design):
/// 10 databases, 100 checkpoints, every sequence 1..10, every checkpoint verified.
/// </summary>
public sealed class ConcurrentCheckpointsDrill : ChaosDrill
{
    private const int Workers = 10;
    private const int CheckpointsPerWorker = 10;

    /// <inheritdoc />
    public override int Number => 2;

    /// <inheritdoc />
    public override string Name => "Scenario2_ConcurrentCheckpoints";

    /// <inheritdoc />
    public override string Description => "10 processes x 10 checkpoints, one database each: 10 databases, 100 verified checkpoints.";

    /// <inheritdoc />
    /// <remarks>On a server store each worker still gets a database of its own: ten fresh databases on the server.</remarks>
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        var options = context.WorkerOptions("pool");
        options.Arguments["checkpoints"] = CheckpointsPerWorker;
        for (var i = 0; i < Workers; i++)
        {
            context.PassStore(options, DatabaseOf(i), DatabaseOf(i));
        }

        context.Report(string.Create(CultureInfo.InvariantCulture, $"{Workers} workers x {CheckpointsPerWorker} checkpoints"));
        var results = await WorkerPool.RunAsync(Workers, WriteCheckpointsAsync, options, cancellationToken).ConfigureAwait(false);
        foreach (var result in results)
        {
            context.Require(result.Succeeded, string.Create(CultureInfo.InvariantCulture, $"worker {result.WorkerId} failed ({result.Outcome}): {result.StderrTail}"));
        }

        var total = 0;
        for (var i = 0; i < Workers; i++)
        {
            var database = DatabaseOf(i);
            using var store = context.OpenStore(database);
            using var checkpoints = new CheckpointManager(store);
            var taskId = "task-" + database;
            var list = checkpoints.ListCheckpoints(taskId);
            context.Require(
                list.Select(c => c.SequenceNumber).Order().SequenceEqual(Enumerable.Range(1, CheckpointsPerWorker).Select(i => (long)i)),
                $"{database}: sequence numbers are not 1..{CheckpointsPerWorker}");
            context.Require(list.All(c => c.Status == CheckpointStatus.Verified), $"{database}: a checkpoint is not verified");
            total += list.Count;
        }

        context.RequireEqual(Workers * CheckpointsPerWorker, total, "checkpoints across all databases");
        context.Measure("databases", Workers);
        context.Measure("checkpoints", total);
        return string.Create(CultureInfo.InvariantCulture, $"{total} checkpoints in {Workers} databases");
    }

    // Worker i's own database, and the worker argument that hands it over.
    private static string DatabaseOf(int worker) => string.Create(CultureInfo.InvariantCulture, $"worker_{worker}");

    private static async Task<int> WriteCheckpointsAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var database = DatabaseOf(context.WorkerId);
        using var store = ChaosWorkerStore.Open(context, database);
        using var checkpoints = new CheckpointManager(store);
        var taskId = "task-" + database;
        var count = DrillStore.Argument<int>(context, "checkpoints");
        for (var step = 1; step <= count; step++)
        {
            var artifact = Path.Combine(context.ArtifactsDirectory, string.Create(CultureInfo.InvariantCulture, $"step-{step}.txt"));
            var written = await AtomicFile.WriteAllTextAsync(artifact, string.Create(CultureInfo.InvariantCulture, $"worker {context.WorkerId} step {step}"), cancellationToken).ConfigureAwait(false);
            using var snapshot = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"step\":{step}}}"));
            await checkpoints.CreateCheckpointAsync(taskId, "step", snapshot.RootElement, new EvidencePack([new FileSha256Evidence(artifact, written.Sha256)]), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }
}
