using AgentOs.Sdk.TestHost;
using AgentOs.Sdk.Workers;

// First line: when WorkerPool re-launches this program as a worker, run the worker's entry instead of a mode.
if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

// One small class per mode, picked by the first argument.
switch (args.Length > 0 ? args[0] : "")
{
    case WorkerPoolParentMode.Name:
        return await WorkerPoolParentMode.RunAsync(args[1..]);
    default:
        await Console.Error.WriteLineAsync($"AgentOs.Sdk.TestHost: unknown mode '{string.Join(' ', args)}'.");
        return 2;
}
