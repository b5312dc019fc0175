using System.Runtime.Versioning;
using AgentOs.Sdk.Workers;
using AgentOs.Sdk.Workers.Internal;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Workers;

/// <summary>The host side: the marker, hosts that never call WorkerHost.TryRun, and how exit codes and signals are told apart.</summary>
[SupportedOSPlatform("linux")] // /proc, /bin/echo, sleep and signals
public sealed class WorkerHostTests : IDisposable
{
    private readonly WorkerTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void TryRun_returns_false_at_once_without_the_marker()
    {
        Assert.False(WorkerHost.TryRun([], out int exitCode));
        Assert.Equal(0, exitCode);
        Assert.False(WorkerHost.TryRun(["worker-pool-parent", "--agentos-worker"], out _));
    }

    [Fact]
    public async Task A_host_that_exits_without_calling_TryRun_fails_the_run_with_the_line_to_add()
    {
        // /bin/echo prints its arguments and exits 0: a program whose Main lacks the WorkerHost line.
        var options = new WorkerPoolOptions { Directory = _directory.Path, HostPath = "/bin/echo" };

        InvalidOperationException failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => WorkerPool.RunAsync(2, static (_, _) => Task.FromResult(0), options));

        Assert.Contains("exited with code 0 before the worker host started", failure.Message, StringComparison.Ordinal);
        Assert.Contains("'/bin/echo' must begin its Main with `if (WorkerHost.TryRun(args, out int exitCode)) return exitCode;`", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_that_never_answers_is_killed_after_the_start_timeout()
    {
        string script = Path.Combine(_directory.Path, "silent-host.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nexec sleep 600\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var time = new FakeTimeProvider();
        var options = new WorkerPoolOptions
        {
            Directory = _directory.Path,
            HostPath = script,
            TimeProvider = time,
            StartTimeout = TimeSpan.FromSeconds(30),
        };

        await using WorkerPoolRun run = WorkerPool.Start(1, static (_, _) => Task.FromResult(0), options);
        int pid = run.Workers[0].ProcessId;
        Task<IReadOnlyList<WorkerResult>> waiting = run.WaitAsync();
        Assert.False(waiting.IsCompleted);
        // The shell has become `sleep`: the process is started and silent.
        Assert.True(await WaitForCommandAsync(pid, "sleep"));
        time.Advance(TimeSpan.FromSeconds(30));

        InvalidOperationException failure = await Assert.ThrowsAsync<InvalidOperationException>(() => waiting);
        Assert.Contains("killed by signal 9 (SIGKILL) before the worker host started", failure.Message, StringComparison.Ordinal);
        Assert.Contains("did not start the worker within 00:00:30", failure.Message, StringComparison.Ordinal);
        Assert.False(ProcessProbe.IsAlive(pid));
    }

    [Theory]
    [InlineData(0, null, 0, null)]
    [InlineData(3, null, 3, null)]
    [InlineData(137, null, null, 9)] // SIGKILL, nothing announced
    [InlineData(137, 0, null, 9)] // announced 0, then killed before exiting
    [InlineData(137, 137, 137, null)] // the entry returned 137 itself
    [InlineData(134, null, null, 6)] // SIGABRT: an unhandled exception on another thread
    [InlineData(200, null, 200, null)] // no signal is that high
    public void Exit_codes_and_signals_are_told_apart(int observed, int? announced, int? exitCode, int? signal)
    {
        Assert.Equal((exitCode, signal), WorkerProtocol.Interpret(observed, announced));
    }

    [Theory]
    [InlineData("progress 1", "progress 1", null)]
    [InlineData("\u001eagentos-worker:ready", null, "ready")]
    [InlineData("partial\u001eagentos-worker:exit 3", "partial", "exit 3")]
    public void Control_lines_are_split_from_the_workers_own_output(string line, string? text, string? control)
    {
        Assert.Equal((text, control), WorkerProtocol.Split(line));
    }

    [Fact]
    public void The_spec_line_round_trips_paths_and_arguments_with_tabs_newlines_and_backslashes()
    {
        var spec = new WorkerSpec(
            "Entry, Version=1.0.0.0",
            "/tmp/odd\tdir\\with\nbreaks/Entry.dll",
            Guid.NewGuid(),
            0x06000042,
            "Entry+<>c",
            "<Main>b__0_0",
            20,
            "C:\\pool\\new\tline\n",
            "{\"text\":\"a\\tb\\nc\\\\d\"}");

        string line = spec.Format();

        Assert.DoesNotContain('\n', line);
        Assert.Equal(spec, WorkerSpec.Parse(line));
        FormatException other = Assert.Throws<FormatException>(() => WorkerSpec.Parse("v0\tsomething"));
        Assert.Contains("different AgentOs.Sdk versions", other.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => WorkerSpec.Parse(line.Replace("\\\\", "\\q", StringComparison.Ordinal)));
    }

    private static async Task<bool> WaitForCommandAsync(int pid, string command)
    {
        for (int i = 0; i < 500; i++)
        {
            try
            {
                if ((await File.ReadAllTextAsync($"/proc/{pid}/comm")).Trim() == command)
                {
                    return true;
                }
            }
            catch (IOException)
            {
                return false;
            }

            // exec happens within milliseconds of the start; poll briefly rather than sleep a fixed time.
            await Task.Delay(10);
        }

        return false;
    }
}
