using System.Globalization;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Tests.Workers;

/// <summary>Real worker processes (the TestHost program) running entries defined here, with their results and output.</summary>
public sealed class WorkerPoolTests : IDisposable
{
    private readonly WorkerTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Ten_workers_each_write_their_own_artifact_and_exit_with_their_id()
    {
        IReadOnlyList<WorkerResult> results = await WorkerPool.RunAsync(
            10,
            static async (context, cancellationToken) =>
            {
                string text = $"{context.WorkerId}/{context.WorkerCount} {Path.GetFileName(context.DatabasePath)} {Environment.ProcessId}";
                await File.WriteAllTextAsync(Path.Combine(context.ArtifactsDirectory, "output.txt"), text, cancellationToken);
                return context.WorkerId;
            },
            Options());

        Assert.Equal(Enumerable.Range(0, 10), results.Select(r => r.WorkerId));
        Assert.Equal(10, results.Select(r => r.ProcessId).Distinct().Count());
        foreach (WorkerResult result in results)
        {
            Assert.Equal(result.WorkerId, result.ExitCode);
            Assert.Null(result.Signal);
            Assert.Equal(result.WorkerId == 0, result.Succeeded);
            Assert.True(result.Duration > TimeSpan.Zero);
            string artifact = Path.Combine(_directory.Path, "artifacts", $"worker_{result.WorkerId}", "output.txt");
            Assert.Equal($"{result.WorkerId}/10 worker_{result.WorkerId}.db {result.ProcessId}", await File.ReadAllTextAsync(artifact));
        }

        // The spec travels on stdin: the pool directory holds only the workers' output.
        Assert.Equal(["artifacts"], Directory.EnumerateFileSystemEntries(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Arguments_and_environment_variables_reach_every_worker_and_a_static_method_is_accepted()
    {
        WorkerPoolOptions options = Options();
        options.Arguments["name"] = "drill \"α\"";
        options.Arguments["count"] = 3;
        options.Arguments["ratio"] = 0.5;
        options.Arguments["items"] = new JsonArray(1, 2, 3);
        options.Arguments["nested"] = new JsonObject { ["flag"] = true, ["empty"] = null };
        // Larger than a pipe buffer (64 KiB): the spec that carries the arguments must still arrive whole.
        options.Arguments["large"] = new string('z', 300_000) + "\nend";
        options.EnvironmentVariables["AGENTOS_WORKER_TEST"] = "from the parent";

        IReadOnlyList<WorkerResult> results = await WorkerPool.RunAsync(2, EchoArgumentsAsync, options);

        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        foreach (WorkerResult result in results)
        {
            string echoed = await File.ReadAllTextAsync(Path.Combine(_directory.Path, "artifacts", $"worker_{result.WorkerId}", "arguments.json"));
            Assert.True(JsonNode.DeepEquals(options.Arguments, JsonNode.Parse(echoed)), echoed);
            string typed = await File.ReadAllTextAsync(Path.Combine(_directory.Path, "artifacts", $"worker_{result.WorkerId}", "typed.txt"));
            Assert.Equal("drill \"α\"|3|0.5|1,2,3|True|missing: Worker argument 'absent' is missing|env: from the parent", typed);
        }
    }

    [Fact]
    public async Task An_entry_that_throws_exits_with_EntryFailed_and_its_exception_is_in_the_stderr_tail()
    {
        await using WorkerPoolRun run = WorkerPool.Start(
            1,
            static (context, _) => throw new InvalidOperationException($"boom from worker {context.WorkerId}"),
            Options());

        // A wait for a line that never comes ends when the worker exits, with a message that says how it ended.
        InvalidOperationException noLine = await Assert.ThrowsAsync<InvalidOperationException>(
            () => run.Workers[0].WaitForOutputAsync(line => line == "never"));
        Assert.Contains("exited with code 70", noLine.Message, StringComparison.Ordinal);

        WorkerResult result = Assert.Single(await run.WaitAsync());
        Assert.Equal(WorkerExitCodes.EntryFailed, result.ExitCode);
        Assert.Null(result.Signal);
        Assert.False(result.Succeeded);
        Assert.Contains("System.InvalidOperationException: boom from worker 0", result.StderrTail, StringComparison.Ordinal);
        Assert.Contains("WorkerPoolTests", result.StderrTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_codes_above_128_are_exit_codes_and_codes_above_255_are_refused()
    {
        IReadOnlyList<WorkerResult> results = await WorkerPool.RunAsync(
            2,
            static (context, _) => Task.FromResult(context.WorkerId == 0 ? 137 : 256),
            Options());

        // 137 is also what .NET reports for a SIGKILLed child; the worker announced it, so it is an exit code.
        Assert.Equal(137, results[0].ExitCode);
        Assert.Null(results[0].Signal);
        // 256 would reach the parent as 0 (exit codes are 8 bits): the host refuses it instead of faking success.
        Assert.Equal(WorkerExitCodes.EntryFailed, results[1].ExitCode);
        Assert.Contains("returned 256", results[1].StderrTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stderr_tail_is_bounded_while_every_line_is_drained()
    {
        int stderrLines = 0;
        int stdoutLines = 0;
        WorkerPoolOptions options = Options();
        options.StderrTailLines = 5;
        options.ErrorLineReceived = (_, _) => Interlocked.Increment(ref stderrLines);
        options.OutputLineReceived = (_, _) => Interlocked.Increment(ref stdoutLines);

        WorkerResult result = Assert.Single(await WorkerPool.RunAsync(
            1,
            static (_, _) =>
            {
                // Far more than a pipe buffer (64 KiB) on both streams: a parent that did not drain them would deadlock.
                string padding = new('x', 200);
                for (int i = 0; i < 2_000; i++)
                {
                    Console.Error.WriteLine($"line {i} {padding}");
                    Console.Out.WriteLine($"progress {i}");
                }

                // One line with no newline, longer than the parent's line limit: it arrives in pieces.
                Console.Out.Write(new string('y', 20_000));
                return Task.FromResult(0);
            },
            options));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2_000, stderrLines);
        Assert.Equal(2_000 + 3, stdoutLines);
        string[] tail = result.StderrTail.Split('\n');
        Assert.Equal([1995, 1996, 1997, 1998, 1999], tail.Select(l => int.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_callback_that_throws_does_not_stop_the_draining_and_fails_the_run_at_the_end()
    {
        int linesSeen = 0;
        WorkerPoolOptions options = Options();
        options.OutputLineReceived = (_, line) =>
        {
            Interlocked.Increment(ref linesSeen);
            throw new FormatException($"cannot parse '{line}'");
        };

        await using WorkerPoolRun run = WorkerPool.Start(
            1,
            static (_, _) =>
            {
                for (int i = 0; i < 1_000; i++)
                {
                    Console.WriteLine($"progress {i} {new string('p', 100)}");
                }

                return Task.FromResult(0);
            },
            options);

        InvalidOperationException failure = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync());
        Assert.IsType<FormatException>(failure.InnerException);
        Assert.StartsWith("cannot parse 'progress 0 ", failure.InnerException.Message, StringComparison.Ordinal);
        Assert.Equal(1_000, linesSeen);
        Assert.Equal(0, (await run.Workers[0].WaitForExitAsync()).ExitCode);
    }

    [Fact]
    public async Task A_dll_host_is_run_with_the_dotnet_launcher()
    {
        WorkerPoolOptions options = Options();
        options.HostPath = Path.Combine(AppContext.BaseDirectory, "AgentOs.Sdk.TestHost.dll");

        WorkerResult result = Assert.Single(await WorkerPool.RunAsync(
            1,
            static async (context, cancellationToken) =>
            {
                await File.WriteAllTextAsync(Path.Combine(context.ArtifactsDirectory, "process.txt"), Environment.ProcessPath, cancellationToken);
                return 0;
            },
            options));

        Assert.Equal(0, result.ExitCode);
        string processPath = await File.ReadAllTextAsync(Path.Combine(_directory.Path, "artifacts", "worker_0", "process.txt"));
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(processPath));
    }

    private WorkerPoolOptions Options() => new() { Directory = _directory.Path, HostPath = TestHostProgram.Path };

    private static async Task<int> EchoArgumentsAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(context.ArtifactsDirectory, "arguments.json"), context.Arguments.ToJsonString(), cancellationToken);
        string missing;
        try
        {
            context.GetArgument<string>("absent");
            missing = "found";
        }
        catch (KeyNotFoundException ex)
        {
            missing = ex.Message[..ex.Message.IndexOf(" (", StringComparison.Ordinal)];
        }

        string typed = string.Join(
            '|',
            context.GetArgument<string>("name"),
            context.GetArgument<int>("count").ToString(CultureInfo.InvariantCulture),
            context.GetArgument<double>("ratio").ToString(CultureInfo.InvariantCulture),
            string.Join(',', context.GetArgument<int[]>("items")),
            context.GetArgument<JsonObject>("nested")["flag"]!.GetValue<bool>().ToString(),
            $"missing: {missing}",
            $"env: {Environment.GetEnvironmentVariable("AGENTOS_WORKER_TEST")}");
        await File.WriteAllTextAsync(Path.Combine(context.ArtifactsDirectory, "typed.txt"), typed, cancellationToken);
        return 0;
    }
}
