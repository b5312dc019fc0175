// AgentOs.Sdk + Microsoft Agent Framework: a workflow whose model calls, tool effects and checkpoints survive kill -9.
//
//   dotnet run --project samples/AgentOs.Samples.AgentFramework -- --crash-after 4   # SIGKILLs itself in step 4
//   dotnet run --project samples/AgentOs.Samples.AgentFramework                      # resumes, replays step 4, finishes
//
// Three durable pieces, one SQLite store: the model (an IChatClient) is wrapped with UseAgentOsOutputCache, the tool with
// WithToolLedger, and the workflow checkpoints to AgentOsCheckpointStore. --crash-after N kills the process at the worst
// moment: at the end of step N, after its model call and tool effect, before the framework checkpoints the step. The next
// run resumes from the latest checkpoint, runs step N again, and gets the answer and the tool result from the store
// instead of asking the model again or appending the line twice.
// Options: --crash-after <step>, --store <dir> (default ./store/agent-framework), --reset (start over).
using System.Diagnostics;
using System.Globalization;
using AgentOs.Samples.AgentFramework;
using AgentOs.Sdk.AgentFramework;
using AgentOs.Sdk.Extensions.AI;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

const string SessionId = "publish-topics";
int? crashAfter = null;
string storeDirectory = "./store/agent-framework";
bool reset = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--crash-after" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int step) && step >= 1 && step <= PublishingWorkflow.Steps:
            crashAfter = step;
            i++;
            break;
        case "--store" when i + 1 < args.Length:
            storeDirectory = args[++i];
            break;
        case "--reset":
            reset = true;
            break;
        default:
            Console.Error.WriteLine($"Unknown or invalid argument '{args[i]}'. Usage: [--crash-after <1..{PublishingWorkflow.Steps}>] [--store <dir>] [--reset]");
            return 64;
    }
}

storeDirectory = Path.GetFullPath(storeDirectory);
if (reset && Directory.Exists(storeDirectory))
{
    Directory.Delete(storeDirectory, recursive: true);
}

Directory.CreateDirectory(storeDirectory);
string publishedPath = Path.Combine(storeDirectory, "published.txt");
using AgentOsStore store = AgentOsStore.Open(Path.Combine(storeDirectory, "agentos.db"));
using var idempotency = new IdempotencyStore(store, owner: $"workflow-{Environment.ProcessId}");

// 1. The model: answers are recorded, and a request answered before (by any process) is replayed from the store.
var fakeModel = new FakeChatClient();
IChatClient model = new ChatClientBuilder(fakeModel)
    .UseAgentOsOutputCache(new LlmOutputCache(idempotency), o => o.Scope = (_, _) => SessionId)
    .Build();
AgentOsOutputCacheChatClient cache = model.GetService<AgentOsOutputCacheChatClient>()!;

// 2. The tool: its effect runs once per arguments; a second call replays the recorded result.
int linesAppended = 0;
AIFunction appendLine = AIFunctionFactory.Create(
        (int index, string line) =>
        {
            linesAppended++;
            File.AppendAllText(publishedPath, line + "\n");
            return $"line {index + 1} appended";
        },
        "append_line",
        "Appends a line to the published file.")
    .WithToolLedger(new ToolLedger(idempotency));

// 3. The checkpoints: one verified AgentOs checkpoint per super step, in one SQLite transaction each.
using var checkpointStore = new AgentOsCheckpointStore(store);
CheckpointManager checkpoints = CheckpointManager.CreateJson(checkpointStore);
List<CheckpointInfo> done = [.. await checkpointStore.RetrieveIndexAsync(SessionId)];
if (done.Count >= PublishingWorkflow.Steps)
{
    Console.WriteLine($"the workflow already finished ({done.Count} checkpoints in {storeDirectory}); run with --reset to start over");
    return 0;
}

Console.WriteLine(done.Count == 0
    ? $"starting workflow '{SessionId}' ({PublishingWorkflow.Steps} steps) in {storeDirectory}"
    : $"resuming workflow '{SessionId}' from checkpoint {done.Count} of {PublishingWorkflow.Steps}");

int stepNumber = done.Count;
long replayedBefore = 0;
int appendedBefore = 0;
int toolReplays = 0;
void StepDone(string executor, int index)
{
    stepNumber++;
    ChatCacheStatistics stats = cache.Statistics;
    string modelCall = stats.Hits + stats.Waits > replayedBefore ? "model call replayed from the store" : "model asked";
    string tool = executor != "publish" ? string.Empty
        : linesAppended > appendedBefore ? ", tool appended the line"
        : ", tool replayed from the ledger (line not appended again)";
    toolReplays += executor == "publish" && linesAppended == appendedBefore ? 1 : 0;
    (replayedBefore, appendedBefore) = (stats.Hits + stats.Waits, linesAppended);
    Console.WriteLine($"step {stepNumber} {executor} '{PublishingWorkflow.Topics[index]}': {modelCall}{tool}");
    if (stepNumber == crashAfter)
    {
        // The worst moment: the step's effects are made, its checkpoint is not.
        Console.WriteLine($"SIGKILL in step {stepNumber}, before its checkpoint");
        Process.GetCurrentProcess().Kill();
    }
}

Workflow workflow = PublishingWorkflow.Build(model, appendLine, StepDone);
await using StreamingRun run = done.Count == 0
    ? await InProcessExecution.RunStreamingAsync(workflow, "0|", checkpoints, SessionId)
    : await InProcessExecution.ResumeStreamingAsync(workflow, done[^1], checkpoints);
await foreach (WorkflowEvent evt in run.WatchStreamAsync())
{
    switch (evt)
    {
        case WorkflowOutputEvent output:
            Console.WriteLine($"output: {output.Data}");
            break;
        case WorkflowErrorEvent error:
            Console.WriteLine($"workflow failed: {error.Exception}");
            return 1;
        case ExecutorFailedEvent failed:
            Console.WriteLine($"executor '{failed.ExecutorId}' failed: {failed.Data}");
            return 1;
    }
}

Console.WriteLine($"this run: {fakeModel.Calls} model calls made, {cache.Statistics.Hits + cache.Statistics.Waits} replayed; {linesAppended} lines appended, {toolReplays} tool calls replayed");
Console.WriteLine($"{publishedPath}:");
Console.Write(File.ReadAllText(publishedPath));
return 0;
