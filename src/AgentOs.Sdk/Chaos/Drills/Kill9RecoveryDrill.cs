using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 1: a worker checkpoints in a loop (artifact written with AtomicFile, checkpoint with its SHA-256 as evidence)
/// and is killed with SIGKILL at a random moment; the last verified checkpoint loads, its sequence number is valid, and its
/// evidence verifies.
/// </summary>
public sealed class Kill9RecoveryDrill : ChaosDrill
{
    private const string TaskId = "kill9-task";

    /// <inheritdoc />
    public override int Number => 1;

    /// <inheritdoc />
    public override string Name => "Scenario1_Kill9Recovery";

    /// <inheritdoc />
    public override string Description => "SIGKILL a worker mid-checkpoint; the last verified checkpoint loads and its evidence verifies.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        context.OpenStore("kill9").Dispose();
        var killAfter = context.Random.Next(3, 30);
        var options = context.WorkerOptions("pool");
        context.PassStore(options, "kill9");

        context.Report(string.Create(CultureInfo.InvariantCulture, $"worker checkpoints in a loop; SIGKILL after checkpoint {killAfter}"));
        await using (var run = WorkerPool.Start(1, CheckpointLoopAsync, options))
        {
            var worker = run.Workers[0];
            await worker.WaitForOutputAsync(line => line == $"checkpoint {killAfter}", cancellationToken).ConfigureAwait(false);
            worker.Kill();
            var result = await worker.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            context.RequireEqual(9, result.Signal, "signal that ended the worker");
        }

        var artifacts = Path.Combine(options.Directory!, "artifacts", "worker_0");
        AtomicFile.Recover(artifacts);

        using var store = context.OpenStore("kill9");
        using var checkpoints = new CheckpointManager(store);
        var last = checkpoints.GetLastVerifiedCheckpoint(TaskId);
        context.Require(last is not null, "no verified checkpoint survived the kill");
        var all = checkpoints.ListCheckpoints(TaskId);
        var sequence = all.Select(c => c.SequenceNumber).Order().ToList();
        context.Require(sequence.SequenceEqual(Enumerable.Range(1, sequence.Count).Select(i => (long)i)), $"sequence numbers are not 1..{sequence.Count} without gaps or duplicates");
        context.Require(last!.SequenceNumber >= killAfter, $"the last verified checkpoint #{last.SequenceNumber} is older than #{killAfter}, which the worker had reported committed");
        context.RequireEqual(last.SequenceNumber, (long)last.Snapshot.GetProperty("step").GetInt32(), "step recorded in the snapshot of the last verified checkpoint");
        var verification = checkpoints.VerifyCheckpoint(last.Id);
        context.Require(verification.IsVerified, $"the evidence of checkpoint #{last.SequenceNumber} does not verify after recovery");
        context.Measure("killed_after", killAfter);
        context.Measure("resumed_at", last.SequenceNumber);
        return string.Create(CultureInfo.InvariantCulture, $"killed after #{killAfter}; resumed at #{last.SequenceNumber}, evidence verified");
    }

    private static async Task<int> CheckpointLoopAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using var store = ChaosWorkerStore.Open(context);
        using var checkpoints = new CheckpointManager(store);
        for (var step = 1; !cancellationToken.IsCancellationRequested; step++)
        {
            var artifact = Path.Combine(context.ArtifactsDirectory, string.Create(CultureInfo.InvariantCulture, $"step-{step}.json"));
            var written = await AtomicFile.WriteAllTextAsync(artifact, string.Create(CultureInfo.InvariantCulture, $"{{\"step\":{step}}}"), cancellationToken).ConfigureAwait(false);
            using var snapshot = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"step\":{step}}}"));
            var checkpoint = await checkpoints.CreateCheckpointAsync(
                TaskId, "step", snapshot.RootElement, new EvidencePack([new FileSha256Evidence(artifact, written.Sha256)]), cancellationToken: cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpoint {checkpoint.SequenceNumber}"));
        }

        return 0;
    }
}
