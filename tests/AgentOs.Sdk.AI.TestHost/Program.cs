using AgentOs.Sdk.Workers;

// A worker host for the AI tests: WorkerPool re-launches this program with a marker argument and runs the entry it names.
if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

await Console.Error.WriteLineAsync("AgentOs.Sdk.AI.TestHost runs only as a WorkerPool worker.");
return 64;
