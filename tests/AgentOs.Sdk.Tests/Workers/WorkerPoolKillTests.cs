using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using AgentOs.Sdk.Workers;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Workers;

/// <summary>Workers killed with SIGKILL, by hand, by cancellation, by the timeout, and by the death of their parent.</summary>
[SupportedOSPlatform("linux")] // /proc, /bin/echo, sleep and signals
public sealed class WorkerPoolKillTests : IDisposable
{
    private static readonly TimeSpan GoneLimit = TimeSpan.FromSeconds(15);
    private readonly WorkerTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_worker_killed_after_its_third_checkpoint_reports_signal_9()
    {
        await using WorkerPoolRun run = WorkerPool.Start(
            2,
            static async (context, cancellationToken) =>
            {
                if (context.WorkerId == 0)
                {
                    return 0;
                }

                for (int i = 1; i <= 3; i++)
                {
                    Console.WriteLine($"checkpoint {i}");
                }

                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 1;
            },
            Options());

        string line = await run.Workers[1].WaitForOutputAsync(l => l == "checkpoint 3");
        run.Workers[1].Kill();
        IReadOnlyList<WorkerResult> results = await run.WaitAsync();

        Assert.Equal("checkpoint 3", line);
        Assert.Equal(0, results[0].ExitCode);
        Assert.Null(results[1].ExitCode);
        Assert.Equal(9, results[1].Signal);
        Assert.False(results[1].Succeeded);
        Assert.False(results[1].TimedOut);
        Assert.Equal("killed by signal 9 (SIGKILL)", results[1].Outcome);
        Assert.False(ProcessProbe.IsAlive(results[1].ProcessId));
    }

    [Fact]
    public async Task Cancelling_kills_every_worker_and_its_children_and_throws()
    {
        const int workers = 3;
        var grandchildren = new List<int>();
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WorkerPoolOptions options = Options();
        options.OutputLineReceived = (_, line) =>
        {
            lock (grandchildren)
            {
                grandchildren.Add(int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
                if (grandchildren.Count == workers)
                {
                    allStarted.TrySetResult();
                }
            }
        };

        using var cancellation = new CancellationTokenSource();
        await using WorkerPoolRun run = WorkerPool.Start(workers, StartGrandchildAndWaitAsync, options);
        Task<IReadOnlyList<WorkerResult>> waiting = run.WaitAsync(cancellation.Token);
        await allStarted.Task.WaitAsync(GoneLimit);
        int[] pids = [.. run.Workers.Select(w => w.ProcessId), .. grandchildren];
        Assert.All(pids, pid => Assert.True(ProcessProbe.IsAlive(pid), $"process {pid} should run before the cancellation"));

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.All(run.Workers, w => Assert.True(w.HasExited));
        // Workers are our children and already reaped; their `sleep` children were SIGKILLed with them and may need a moment to be reaped.
        Assert.Empty(await ProcessProbe.WaitUntilGoneAndKillSurvivorsAsync(pids, GoneLimit));
    }

    [Fact]
    public async Task Cancelling_RunAsync_throws_OperationCanceledException_and_leaves_no_worker()
    {
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        WorkerPoolOptions options = Options();
        options.OutputLineReceived = (_, line) => started.TrySetResult(int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
        using var cancellation = new CancellationTokenSource();

        Task<IReadOnlyList<WorkerResult>> running = WorkerPool.RunAsync(
            1,
            static async (_, cancellationToken) =>
            {
                Console.WriteLine($"pid {Environment.ProcessId}");
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 0;
            },
            options,
            cancellation.Token);
        int pid = await started.Task.WaitAsync(GoneLimit);
        await cancellation.CancelAsync();

        OperationCanceledException canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(cancellation.Token, canceled.CancellationToken);
        Assert.False(ProcessProbe.IsAlive(pid));
    }

    [Fact]
    public async Task The_timeout_kills_workers_still_running_and_marks_them()
    {
        var time = new FakeTimeProvider();
        WorkerPoolOptions options = Options();
        options.TimeProvider = time;
        options.Timeout = TimeSpan.FromMinutes(1);

        await using WorkerPoolRun run = WorkerPool.Start(
            2,
            static async (context, cancellationToken) =>
            {
                if (context.WorkerId == 0)
                {
                    return 0;
                }

                Console.WriteLine("waiting");
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return 1;
            },
            options);
        await run.Workers[1].WaitForOutputAsync(l => l == "waiting");
        WorkerResult first = await run.Workers[0].WaitForExitAsync();
        Assert.False(run.Workers[1].HasExited);

        time.Advance(TimeSpan.FromMinutes(1));
        IReadOnlyList<WorkerResult> results = await run.WaitAsync();

        Assert.Equal(first, results[0]);
        Assert.Equal(0, results[0].ExitCode);
        Assert.False(results[0].TimedOut);
        Assert.Equal(9, results[1].Signal);
        Assert.True(results[1].TimedOut);
        Assert.Equal("killed by signal 9 (SIGKILL) after the timeout", results[1].Outcome);
    }

    [Fact]
    public async Task Workers_kill_themselves_and_their_children_when_their_parent_is_killed()
    {
        // A parent process (TestHost mode worker-pool-parent) with two workers, each with a `sleep 600` child.
        var startInfo = new ProcessStartInfo(TestHostProgram.Path) { RedirectStandardOutput = true, RedirectStandardInput = true };
        if (TestHostProgram.Path.EndsWith(".dll", StringComparison.Ordinal))
        {
            startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, ArgumentList = { TestHostProgram.Path } };
        }

        startInfo.ArgumentList.Add("worker-pool-parent");
        startInfo.ArgumentList.Add("2");
        startInfo.ArgumentList.Add(_directory.Path);
        using Process parent = Process.Start(startInfo)!;
        var pids = new List<int>();
        try
        {
            while (await parent.StandardOutput.ReadLineAsync().WaitAsync(GoneLimit) is { } line && line != "ready")
            {
                string[] words = line.Split(' ');
                pids.Add(int.Parse(words[^1], CultureInfo.InvariantCulture));
            }

            Assert.Equal(4, pids.Count);
            Assert.All(pids, pid => Assert.True(ProcessProbe.IsAlive(pid)));
        }
        finally
        {
            // Only the parent: its workers must notice on their own.
            parent.Kill(entireProcessTree: false);
            await parent.WaitForExitAsync();
        }

        Assert.Empty(await ProcessProbe.WaitUntilGoneAndKillSurvivorsAsync(pids, GoneLimit));
    }

    private WorkerPoolOptions Options() => new() { Directory = _directory.Path, HostPath = TestHostProgram.Path };

    private static async Task<int> StartGrandchildAndWaitAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using Process grandchild = Process.Start("sleep", "600");
        Console.WriteLine($"grandchild {grandchild.Id}");
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }
}
