using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 7: a ten-step task runs in a worker process (each step: a tool call through the tool ledger, an artifact,
/// a checkpoint with evidence), is killed with SIGKILL mid-way, resumes from its last verified checkpoint in a new process
/// and reaches <c>succeeded</c>: every step's effect is applied exactly once and no committed step runs again.
/// </summary>
/// <remarks>
/// The step in flight at the kill may have reached the tool without its result being recorded: the ledger reports that
/// attempt as in doubt and runs it again. The fake tool, like any tool that takes an idempotency key, applies an effect once
/// per key, so the retry cannot apply it twice; the drill reports how many such retries it saw.
/// </remarks>
public sealed class FullE2EDrill : ChaosDrill
{
    private const string TaskId = "e2e-task";
    private const int Steps = 10;

    /// <inheritdoc />
    public override int Number => 7;

    /// <inheritdoc />
    public override string Name => "Scenario7_FullE2E";

    /// <inheritdoc />
    public override string Description => "A 10-step task is killed mid-way, resumes in a new process from its last verified checkpoint, and succeeds with no step applied twice.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        context.OpenStore("e2e").Dispose();
        var killAfter = context.Random.Next(2, Steps - 2);
        var options = context.WorkerOptions("pool");
        context.PassStore(options, "e2e");
        options.Arguments["work"] = context.PathOf("work");
        // The fake model's latency: real agents spend their time waiting for the model, and the kill must land mid-task.
        options.Arguments["step_delay_ms"] = 150;

        context.Report(string.Create(CultureInfo.InvariantCulture, $"first run: SIGKILL after step {killAfter}"));
        await using (var first = WorkerPool.Start(1, RunTaskAsync, options))
        {
            var worker = first.Workers[0];
            await worker.WaitForOutputAsync(line => line == $"step {killAfter} done", cancellationToken).ConfigureAwait(false);
            worker.Kill();
            context.RequireEqual(9, (await worker.WaitForExitAsync(cancellationToken).ConfigureAwait(false)).Signal, "signal that ended the first run");
        }

        long lastBeforeResume;
        using (var store = context.OpenStore("e2e"))
        using (var checkpoints = new CheckpointManager(store))
        {
            context.Require(checkpoints.GetTask(TaskId)?.Status != AgentTaskStatus.Succeeded, "the task finished before the kill: nothing to resume");
            lastBeforeResume = checkpoints.GetLastVerifiedCheckpoint(TaskId)?.SequenceNumber ?? 0;
            context.Require(lastBeforeResume >= killAfter, $"the last verified checkpoint #{lastBeforeResume} is older than step {killAfter}, which was reported done");
        }

        context.Report(string.Create(CultureInfo.InvariantCulture, $"second run: resume after checkpoint #{lastBeforeResume} in a new process"));
        var secondOptions = context.WorkerOptions("pool-resume");
        foreach (var (key, value) in options.Arguments)
        {
            secondOptions.Arguments[key] = value?.DeepClone();
        }

        var resumeLine = (string?)null;
        secondOptions.OutputLineReceived = (_, line) =>
        {
            if (line.StartsWith("resume ", StringComparison.Ordinal))
            {
                resumeLine = line;
            }
        };
        var second = (await WorkerPool.RunAsync(1, RunTaskAsync, secondOptions, cancellationToken).ConfigureAwait(false))[0];
        context.Require(second.Succeeded, $"the resumed run failed ({second.Outcome}): {second.StderrTail}");
        context.RequireEqual(string.Create(CultureInfo.InvariantCulture, $"resume {lastBeforeResume + 1}"), resumeLine, "where the new process resumed");

        using (var store = context.OpenStore("e2e"))
        using (var checkpoints = new CheckpointManager(store))
        {
            context.RequireEqual(AgentTaskStatus.Succeeded, checkpoints.GetTask(TaskId)?.Status, "task status");
            var list = checkpoints.ListCheckpoints(TaskId);
            var steps = list.Select(c => c.Snapshot.GetProperty("step").GetInt32()).Order().ToList();
            context.Require(steps.SequenceEqual(Enumerable.Range(1, Steps)), $"checkpointed steps are [{string.Join(",", steps)}], not 1..{Steps} once each");
            context.Require(list.All(c => c.Status == CheckpointStatus.Verified), "a checkpoint of the task is not verified");
        }

        var work = context.PathOf("work");
        var applied = Directory.GetFiles(Path.Combine(work, "effects"), "step-*.effect").Length;
        context.RequireEqual(Steps, applied, "tool effects applied");
        var invocations = File.ReadAllLines(Path.Combine(work, "invocations.log"))
            .Where(l => l.Length > 0).GroupBy(l => int.Parse(l, CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (step, count) in invocations)
        {
            context.Require(count == 1 || step > lastBeforeResume, $"committed step {step} was run {count} times");
        }

        var retried = invocations.Count(p => p.Value > 1);
        context.Measure("killed_after_step", killAfter);
        context.Measure("resumed_at_step", lastBeforeResume + 1);
        context.Measure("in_doubt_retries", retried);
        return string.Create(CultureInfo.InvariantCulture, $"killed after step {killAfter}; resumed at step {lastBeforeResume + 1}; {Steps}/{Steps} steps, none applied twice ({retried} in-doubt retry deduplicated)");
    }

    private static async Task<int> RunTaskAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var work = DrillStore.Argument<string>(context, "work");
        var delay = TimeSpan.FromMilliseconds(DrillStore.Argument<int>(context, "step_delay_ms"));
        Directory.CreateDirectory(Path.Combine(work, "effects"));
        using var store = ChaosWorkerStore.Open(context);
        using var checkpoints = new CheckpointManager(store);
        // A claim lives as long as a step may take; a claim left by a killed worker is in doubt after that and is taken over.
        using var idempotency = new IdempotencyStore(
            store,
            string.Create(CultureInfo.InvariantCulture, $"worker-{Environment.ProcessId}"),
            options: new IdempotencyOptions { ClaimDuration = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromMilliseconds(20) });
        var ledger = new ToolLedger(idempotency);

        checkpoints.EnsureTask(TaskId, "ten-step drill task");
        checkpoints.SetTaskStatus(TaskId, AgentTaskStatus.Running);
        var last = await checkpoints.GetLastVerifiedCheckpointAsync(TaskId, cancellationToken).ConfigureAwait(false);
        var start = last is null ? 1 : last.Snapshot.GetProperty("step").GetInt32() + 1;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"resume {start}"));

        for (var step = start; step <= Steps; step++)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            var current = step;
            var call = await ledger.ExecuteOrReplayAsync("fake-tool", $"step-{current}", _ => Task.FromResult(ApplyEffect(work, current)), cancellationToken: cancellationToken).ConfigureAwait(false);
            var artifact = Path.Combine(context.ArtifactsDirectory, string.Create(CultureInfo.InvariantCulture, $"step-{current}.txt"));
            var written = await AtomicFile.WriteAllTextAsync(artifact, call.Result.Stdout, cancellationToken).ConfigureAwait(false);
            using var snapshot = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"step\":{current}}}"));
            await checkpoints.CreateCheckpointAsync(
                TaskId,
                "step",
                snapshot.RootElement,
                new EvidencePack([new FileSha256Evidence(artifact, written.Sha256), new CommandExitEvidence($"step-{current}", call.Result.ExitCode)]),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {current} done"));
        }

        checkpoints.SetTaskStatus(TaskId, AgentTaskStatus.Succeeded);
        Console.WriteLine("task succeeded");
        return 0;
    }

    // The fake tool: logs every invocation, and applies its effect once per key, as a tool with idempotency keys does.
    private static ToolResult ApplyEffect(string work, int step)
    {
        using (var log = new FileStream(Path.Combine(work, "invocations.log"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            log.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{step}\n")));
            log.Flush(flushToDisk: true);
        }

        try
        {
            using var effect = new FileStream(Path.Combine(work, "effects", string.Create(CultureInfo.InvariantCulture, $"step-{step}.effect")), FileMode.CreateNew);
            effect.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(Path.Combine(work, "effects", string.Create(CultureInfo.InvariantCulture, $"step-{step}.effect"))))
        {
            // Already applied under this key: the retry of an in-doubt attempt changes nothing.
        }

        return new ToolResult(0, string.Create(CultureInfo.InvariantCulture, $"result of step {step}\n"), string.Empty);
    }
}
