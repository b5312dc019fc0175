// AgentOs.Sdk resumable agent: a ten-step task that survives kill -9 and resumes where it left off.
//
//   dotnet run --project samples/AgentOs.Samples.ResumableAgent -- --crash-after 4   # kills its own worker after step 4
//   dotnet run --project samples/AgentOs.Samples.ResumableAgent                      # resumes at step 5 and finishes
//
// The task runs in a worker process (WorkerPool re-launches this program). Each step asks a fake LLM through
// LlmOutputCache, runs a fake tool through ToolLedger, writes the step's output atomically and checkpoints with evidence.
// Options: --crash-after <step>, --store <dir> (default ./store/resumable-agent), --reset (start the task over).
using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;
using AgentOs.Samples.ResumableAgent;

// A worker process runs its entry here and exits; only the parent goes on.
if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

int? crashAfter = null;
string storeDirectory = "./store/resumable-agent";
bool reset = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--crash-after" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int step) && step is >= 1 and < AgentTask.Steps:
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
            Console.Error.WriteLine($"Unknown or invalid argument '{args[i]}'. Usage: [--crash-after <1..{AgentTask.Steps - 1}>] [--store <dir>] [--reset]");
            return 64;
    }
}

storeDirectory = Path.GetFullPath(storeDirectory);
if (reset && Directory.Exists(storeDirectory))
{
    Directory.Delete(storeDirectory, recursive: true);
}

Directory.CreateDirectory(storeDirectory);
string databasePath = Path.Combine(storeDirectory, "agent.db");
var clock = Stopwatch.StartNew();
void Timeline(string text) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F2}s] {text}");

// Ask the store where the task stands before starting a worker.
using (AgentOsStore store = AgentOsStore.Open(databasePath))
using (var checkpoints = new CheckpointManager(store))
{
    AgentTaskInfo? task = checkpoints.GetTask(AgentTask.TaskId);
    Checkpoint? last = checkpoints.GetLastVerifiedCheckpoint(AgentTask.TaskId);
    if (task?.Status == AgentTaskStatus.Succeeded)
    {
        Timeline($"task '{AgentTask.TaskId}' already succeeded ({last?.SequenceNumber} checkpoints); run with --reset to start over");
        return 0;
    }

    Timeline(last is null
        ? $"starting task '{AgentTask.TaskId}' ({AgentTask.Steps} steps) in {storeDirectory}"
        : $"found the last verified checkpoint #{last.SequenceNumber}: resuming after step {last.SequenceNumber}");
}

var options = new WorkerPoolOptions { Directory = Path.Combine(storeDirectory, "pool") };
options.Arguments["db"] = databasePath;
options.Arguments["work"] = storeDirectory;
// The worker's progress lines become the timeline.
options.OutputLineReceived = (_, line) => Timeline("worker: " + line);

await using WorkerPoolRun run = WorkerPool.Start(1, AgentTask.RunAsync, options);
WorkerProcess worker = run.Workers[0];
Timeline($"worker process {worker.ProcessId} started");
if (crashAfter is int killAfter)
{
    // Wait until the step is checkpointed, then kill -9 the worker while it is thinking about the next step.
    await worker.WaitForOutputAsync(line => line.StartsWith($"step {killAfter} done", StringComparison.Ordinal));
    worker.Kill();
}

WorkerResult result = await worker.WaitForExitAsync();
if (result.Signal is int signal)
{
    Timeline($"worker process {result.ProcessId} was killed by signal {signal} (SIGKILL) as asked: the task is interrupted");
    Timeline("run again without --crash-after to resume from the last verified checkpoint");
    return 2;
}

if (!result.Succeeded)
{
    Timeline($"worker failed ({result.Outcome}):\n{result.StderrTail}");
    return 1;
}

// Print the whole history from the store: which process checkpointed each step.
using (AgentOsStore store = AgentOsStore.Open(databasePath))
using (var checkpoints = new CheckpointManager(store))
{
    Timeline("checkpoints:");
    foreach (Checkpoint checkpoint in checkpoints.ListCheckpoints(AgentTask.TaskId))
    {
        Timeline($"  #{checkpoint.SequenceNumber,-2} step {checkpoint.Snapshot.GetProperty("step").GetInt32(),2}  {checkpoint.Status}  by process {checkpoint.Snapshot.GetProperty("pid").GetInt32()}");
    }
}

Timeline($"task '{AgentTask.TaskId}' succeeded");
return 0;
