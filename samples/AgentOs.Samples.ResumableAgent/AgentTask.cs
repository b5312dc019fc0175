using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Samples.ResumableAgent;

/// <summary>The agent task that runs in the worker process: ten steps, each one LLM call, one tool call and one checkpoint.</summary>
internal static class AgentTask
{
    public const string TaskId = "research-task";
    public const int Steps = 10;

    /// <summary>The worker entry: a static method, so the worker process can find it (rule AOS002 checks this).</summary>
    public static async Task<int> RunAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        string work = context.GetArgument<string>("work");
        using AgentOsStore store = AgentOsStore.Open(context.GetArgument<string>("db"));
        using var checkpoints = new CheckpointManager(store);
        // A claim left by a killed process is taken over once it expires: keep it about as long as one step may take.
        using var idempotency = new IdempotencyStore(
            store,
            $"worker-{Environment.ProcessId}",
            options: new IdempotencyOptions { ClaimDuration = TimeSpan.FromSeconds(2) });
        var llm = new LlmOutputCache(idempotency);
        var tools = new ToolLedger(idempotency);

        checkpoints.EnsureTask(TaskId, "A ten-step research task");
        checkpoints.SetTaskStatus(TaskId, AgentTaskStatus.Running);

        // Resume after the last checkpoint whose evidence was verified; anything later is redone.
        Checkpoint? last = await checkpoints.GetLastVerifiedCheckpointAsync(TaskId, cancellationToken);
        int first = last is null ? 1 : last.Snapshot.GetProperty("step").GetInt32() + 1;
        Console.WriteLine(first == 1 ? "starting at step 1" : $"resuming at step {first}");

        Directory.CreateDirectory(Path.Combine(work, "artifacts"));
        for (int step = first; step <= Steps; step++)
        {
            int current = step;
            // 1. The LLM: an answer is cached in the store under (operation, prompt, model), so a retried step is not billed twice.
            bool called = false;
            string answer = await llm.GetOrCreateAsync(
                "plan",
                $"What should step {current} of the research do?",
                "fake-model-1",
                async ct =>
                {
                    called = true;
                    return await FakeLlm.CompleteAsync(current, ct);
                },
                cancellationToken: cancellationToken);

            // 2. The tool: its result is recorded under (tool, command); a tool with side effects runs once per command.
            ToolLedgerResult tool = await tools.ExecuteOrReplayAsync(
                "search",
                $"search --query \"{answer}\"",
                ct => FakeTool.RunAsync(work, current, answer, ct),
                cancellationToken: cancellationToken);

            // 3. The step's output, written atomically with its .ok marker.
            string output = Path.Combine(work, "artifacts", $"step-{current:D2}.txt");
            AtomicWriteResult written = await AtomicFile.WriteAllTextAsync(output, tool.Result.Stdout, cancellationToken);

            // 4. The checkpoint: recorded as verified only if its evidence holds now (the file's hash and the tool's exit code).
            using JsonDocument snapshot = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $$"""{"step":{{current}},"pid":{{Environment.ProcessId}}}"""));
            Checkpoint checkpoint = await checkpoints.CreateCheckpointAsync(
                TaskId,
                "step",
                snapshot.RootElement,
                new EvidencePack([new FileSha256Evidence(output, written.Sha256), new CommandExitEvidence($"search step {current}", tool.Result.ExitCode)]),
                cancellationToken: cancellationToken);
            if (checkpoint.Status != CheckpointStatus.Verified)
            {
                Console.Error.WriteLine($"step {current}: checkpoint not verified: {checkpoint.VerificationError}");
                return 1;
            }

            string llmNote = called ? "llm called" : "llm cached";
            string toolNote = tool.Replayed ? "tool replayed" : tool.PreviousAttemptInDoubt ? "tool re-run (an earlier attempt was in doubt)" : "tool ran";
            Console.WriteLine($"step {current} done: {llmNote}, {toolNote}, checkpoint #{checkpoint.SequenceNumber} verified");
        }

        checkpoints.SetTaskStatus(TaskId, AgentTaskStatus.Succeeded);
        Console.WriteLine("all steps done");
        return 0;
    }
}
