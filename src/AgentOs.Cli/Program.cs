using AgentOs.Cli;
using AgentOs.Sdk.Workers;

// First line: when a WorkerPool started from this tool re-launches it as a worker, run the worker's entry instead.
if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

return AgentOsCli.Run(args, CliConsole.System);
