using AgentOs.Sdk.Benchmarks;
using AgentOs.Sdk.Workers;
using BenchmarkDotNet.Running;

// WorkerStartBenchmarks re-launches this program as its worker host.
if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

// The baseline of WorkerStartBenchmarks: a bare start of this program.
if (args is [WorkerStartBenchmarks.NoOpArgument])
{
    return 0;
}

// The queue throughput console mode (processes, not a BenchmarkDotNet class) and its worker processes.
if (args is [QueueThroughput.Command, ..])
{
    return await QueueThroughput.RunAsync(args);
}

if (args is [QueueThroughput.WorkerCommand, var provider, var target, var workerId])
{
    return await QueueThroughput.WorkAsync(provider, target, workerId);
}

// Runs the benchmarks picked by the command line (for example --filter '*AtomicWrite*').
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
