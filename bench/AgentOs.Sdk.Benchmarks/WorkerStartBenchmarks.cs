using System.Diagnostics;
using System.Reflection;
using AgentOs.Sdk.Workers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// What a worker costs beyond starting a .NET process: the baseline starts this program with <c>--noop</c> (it returns at once);
/// the others run 1 and 4 workers of an entry that returns 0 (spec on stdin, assembly and method lookup, ready and exit lines).
/// In-process, so that the default worker host is this very program, whose Main begins with the WorkerHost line.
/// </summary>
[Config(typeof(InProcessShortRun))]
[MemoryDiagnoser(displayGenColumns: false)]
[MedianColumn]
public class WorkerStartBenchmarks
{
    /// <summary>The argument that makes Program return at once: a bare start of this program.</summary>
    public const string NoOpArgument = "--noop";

    private string _directory = "";

    [GlobalSetup]
    public void Setup() => _directory = Directory.CreateTempSubdirectory("agentos-worker-bench-").FullName;

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true)]
    public async Task<int> BareProcessStart()
    {
        var startInfo = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            startInfo.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        startInfo.ArgumentList.Add(NoOpArgument);
        using Process process = Process.Start(startInfo)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    [Benchmark]
    public Task<IReadOnlyList<WorkerResult>> OneWorker() =>
        WorkerPool.RunAsync(1, static (_, _) => Task.FromResult(0), new WorkerPoolOptions { Directory = _directory });

    [Benchmark]
    public Task<IReadOnlyList<WorkerResult>> FourWorkers() =>
        WorkerPool.RunAsync(4, static (_, _) => Task.FromResult(0), new WorkerPoolOptions { Directory = _directory });

    private sealed class InProcessShortRun : ManualConfig
    {
        public InProcessShortRun()
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        }
    }
}
