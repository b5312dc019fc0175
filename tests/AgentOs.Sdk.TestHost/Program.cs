using AgentOs.Sdk.TestHost;
using AgentOs.Sdk.TestHost.IO;
using AgentOs.Sdk.TestHost.Checkpoints;
using AgentOs.Sdk.Workers;

// First line: when WorkerPool re-launches this program as a worker, run the worker's entry instead of a mode.
if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

// A child process for the tests: args[0] names the mode, the rest are the mode's arguments.
// Each mode is one small class; the tests start this program, talk to it over stdin/stdout, and kill it with SIGKILL.
string[] rest = args.Length > 0 ? args[1..] : [];
switch (args.Length > 0 ? args[0] : "")
{
    case WorkerPoolParentMode.Name:
        return await WorkerPoolParentMode.RunAsync(rest);
    case AtomicWriterLoop.Mode:
        return AtomicWriterLoop.Run(rest);
    case AtomicBatchLoop.Mode:
        return AtomicBatchLoop.Run(rest);
    case AtomicWriteMany.Mode:
        return AtomicWriteMany.Run(rest);
    case AtomicWriteOnce.Mode:
        return AtomicWriteOnce.Run(rest);
    case HoldLockMode.Name:
        return HoldLockMode.Run(rest);
    case OpenStoreMode.Name:
        return OpenStoreMode.Run(rest);
    case RunHealthCheckMode.Name:
        return RunHealthCheckMode.Run(rest);
    case CommitAndHangMode.Name:
        return CommitAndHangMode.Run(rest);
    case CheckpointWriter.Mode:
        return CheckpointWriter.Run(rest);
    case CheckpointStepCrash.Mode:
        return CheckpointStepCrash.Run(rest);
    case CheckpointSwarm.Mode:
        return CheckpointSwarm.Run(rest);
    case IdempotentCaller.Mode:
        return IdempotentCaller.Run(rest);
    case IdempotencyHammer.Mode:
        return IdempotencyHammer.Run(rest);
    default:
        await Console.Error.WriteLineAsync($"AgentOs.Sdk.TestHost: unknown mode '{string.Join(' ', args)}'.");
        return 64;
}
