using System.Globalization;
using System.Text.RegularExpressions;
using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Samples;

public sealed partial class ResumableAgentSampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task A_run_killed_after_step_4_resumes_after_its_last_verified_step_and_repeats_none()
    {
        var sample = Repository.Sample("AgentOs.Samples.ResumableAgent");

        // Run 1: the sample SIGKILLs its own worker once step 4 is checkpointed.
        var first = await ChildProcess.RunAsync("dotnet", [sample, "--crash-after", "4"], _work.Path, Timeout);

        Assert.True(first.ExitCode == 2, $"exit {first.ExitCode}:\n{first.Output}");
        Assert.Contains("was killed by signal 9 (SIGKILL) as asked", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("all steps done", first.Output, StringComparison.Ordinal);
        var doneInFirst = StepsDone(first.Output);
        Assert.Equal([1, 2, 3, 4], doneInFirst.Take(4));

        // Run 2: resumes after the last verified checkpoint (step 4, or 5 if it was checkpointed before the kill landed).
        var second = await ChildProcess.RunAsync("dotnet", [sample], _work.Path, Timeout);

        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}:\n{second.Output}");
        var found = FoundCheckpoint().Match(second.Output);
        Assert.True(found.Success, second.Output);
        var lastVerified = int.Parse(found.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(lastVerified, 4, 9);
        Assert.Contains($"worker: resuming at step {lastVerified + 1}", second.Output, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(lastVerified + 1, 10 - lastVerified), StepsDone(second.Output));
        Assert.Contains("task 'research-task' succeeded", second.Output, StringComparison.Ordinal);

        // The history: ten checkpoints, one per step; the steps before the resume point were made by the killed process only.
        var history = HistoryLine().Matches(second.Output).Select(m => (Step: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Pid: m.Groups[2].Value)).ToList();
        Assert.Equal(Enumerable.Range(1, 10), history.Select(h => h.Step));
        Assert.Single(history.Take(lastVerified).Select(h => h.Pid).Distinct());
        Assert.Single(history.Skip(lastVerified).Select(h => h.Pid).Distinct());
        Assert.NotEqual(history[0].Pid, history[^1].Pid);

        // The tool's effects of the committed steps were applied by the first process and never again.
        for (var step = 1; step <= lastVerified; step++)
        {
            var effect = await File.ReadAllTextAsync(Path.Combine(_work.Path, "store", "resumable-agent", "tool-effects", $"step-{step:D2}.json"));
            Assert.Contains($"\"pid\":{history[0].Pid}", effect, StringComparison.Ordinal);
        }

        // Run 3: nothing left to do.
        var third = await ChildProcess.RunAsync("dotnet", [sample], _work.Path, Timeout);
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Contains("already succeeded", third.Output, StringComparison.Ordinal);
        Assert.Empty(StepsDone(third.Output));
    }

    [Fact]
    public async Task A_bad_argument_is_refused_with_the_usage()
    {
        var run = await ChildProcess.RunAsync("dotnet", [Repository.Sample("AgentOs.Samples.ResumableAgent"), "--crash-after", "10"], _work.Path, Timeout);

        Assert.Equal(64, run.ExitCode);
        Assert.Contains("Usage: [--crash-after <1..9>]", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work.Path, "store")), "a refused run created a store");
    }

    private static List<int> StepsDone(string output) =>
        StepDone().Matches(output).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

    [GeneratedRegex(@"worker: step (\d+) done: ")]
    private static partial Regex StepDone();

    [GeneratedRegex(@"found the last verified checkpoint #(\d+)")]
    private static partial Regex FoundCheckpoint();

    [GeneratedRegex(@"#\d+\s+step\s+(\d+)\s+Verified\s+by process (\d+)")]
    private static partial Regex HistoryLine();
}
