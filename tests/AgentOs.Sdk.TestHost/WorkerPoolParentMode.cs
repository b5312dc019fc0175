using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// <c>worker-pool-parent &lt;workers&gt; &lt;directory&gt;</c>: a parent that the tests SIGKILL to prove its workers do not survive it.
/// It starts the workers with the default host (this very program), prints <c>worker &lt;id&gt; &lt;pid&gt;</c> and each worker's
/// <c>grandchild &lt;pid&gt;</c> line, then <c>ready</c>, and waits to be killed.
/// </summary>
internal static class WorkerPoolParentMode
{
    public const string Name = "worker-pool-parent";

    public static async Task<int> RunAsync(string[] args)
    {
        int workerCount = int.Parse(args[0], CultureInfo.InvariantCulture);
        int reported = 0;
        var allReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new WorkerPoolOptions
        {
            Directory = args[1],
            OutputLineReceived = (_, line) =>
            {
                Console.WriteLine(line);
                if (line.StartsWith("grandchild ", StringComparison.Ordinal) && Interlocked.Increment(ref reported) == workerCount)
                {
                    allReported.TrySetResult();
                }
            },
        };

        await using WorkerPoolRun run = WorkerPool.Start(workerCount, WaitForeverWithAGrandchild, options);
        foreach (WorkerProcess worker in run.Workers)
        {
            Console.WriteLine($"worker {worker.WorkerId} {worker.ProcessId}");
        }

        await allReported.Task;
        Console.WriteLine("ready");
        await run.WaitAsync();
        return 0;
    }

    /// <summary>Starts a grandchild that would outlive everything if nobody killed it, reports its pid, and waits forever.</summary>
    private static async Task<int> WaitForeverWithAGrandchild(WorkerContext context, CancellationToken cancellationToken)
    {
        using Process grandchild = Process.Start("sleep", "600");
        Console.WriteLine($"grandchild {grandchild.Id}");
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }
}
