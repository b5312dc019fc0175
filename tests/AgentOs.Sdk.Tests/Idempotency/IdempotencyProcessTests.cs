using System.Collections.Concurrent;
using System.Diagnostics;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Idempotency;

public sealed class IdempotencyProcessTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Four_processes_running_one_command_execute_it_once_and_all_get_its_result()
    {
        const int Processes = 4;
        var database = _temp.Combine("shared.db");
        var marker = _temp.Combine("executions.txt");
        var release = _temp.Combine("release");
        using (AgentOsStore.Open(database))
        {
            // Created once up front, so the children do not race to migrate a fresh file.
        }

        var lines = new ConcurrentQueue<(int Child, string Line)>();
        var children = Enumerable.Range(0, Processes).Select(i => Start(i, database, marker, release, lines)).ToList();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            // Hold the executor inside its claim until every other process has looked at the key and gone to call it.
            while (!(lines.Count(l => l.Line == "executing") == 1
                && lines.Count(l => l.Line is "waiting" or "calling") == Processes))
            {
                Assert.All(children, c => Assert.False(c.HasExited && c.ExitCode != 0, $"child exited with {(c.HasExited ? c.ExitCode : 0)}"));
                await Task.Delay(20, timeout.Token);
            }

            await File.WriteAllTextAsync(release, "go", timeout.Token);
            foreach (var child in children)
            {
                await child.WaitForExitAsync(timeout.Token);
                Assert.Equal(0, child.ExitCode);
            }
        }
        finally
        {
            foreach (var child in children.Where(c => !c.HasExited))
            {
                child.Kill(entireProcessTree: true);
            }

            children.ForEach(c => c.Dispose());
        }

        var executions = await File.ReadAllLinesAsync(marker);
        var results = lines.Where(l => l.Line.StartsWith("result=", StringComparison.Ordinal)).Select(l => l.Line).ToList();
        Assert.Single(executions);
        Assert.Equal(Processes, results.Count);
        Assert.Single(results, r => r.EndsWith("replayed=False", StringComparison.Ordinal));
        Assert.Single(results.Select(r => r[..r.IndexOf(" replayed=", StringComparison.Ordinal)]).Distinct());
        Assert.Contains($"ran in {executions[0]}", results[0], StringComparison.Ordinal);
    }

    private static Process Start(int index, string database, string marker, string release, ConcurrentQueue<(int, string)> lines)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { TestHostPath(), "idempotent-caller", database, "make release", marker, release })
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines.Enqueue((index, line));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines.Enqueue((index, "stderr: " + line));
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // The TestHost is built beside the tests: <repo>/tests/AgentOs.Sdk.TestHost/bin/<configuration>/<framework>/.
    private static string TestHostPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var testsDirectory = here.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(testsDirectory, "AgentOs.Sdk.TestHost", "bin", here.Parent.Name, here.Name, "AgentOs.Sdk.TestHost.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The TestHost is not built at '{path}'.");
    }
}
