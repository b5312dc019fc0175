using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Samples;

public sealed class AgentFrameworkSampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task A_workflow_killed_in_step_4_resumes_and_replays_its_model_call_and_tool_effect_instead_of_repeating_them()
    {
        var sample = Repository.Sample("AgentOs.Samples.AgentFramework");
        var published = Path.Combine(_work.Path, "store", "agent-framework", "published.txt");

        // Run 1: the sample SIGKILLs itself at the end of step 4, after its model call and tool effect, before its checkpoint.
        var first = await ChildProcess.RunAsync("dotnet", [sample, "--crash-after", "4"], _work.Path, Timeout);

        Assert.True(first.ExitCode == 128 + 9, $"not killed by SIGKILL: exit {first.ExitCode}:\n{first.Output}");
        Assert.Contains("step 4 publish 'leases': model asked, tool appended the line", first.Output, StringComparison.Ordinal);
        Assert.Contains("SIGKILL in step 4, before its checkpoint", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("step 5", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("output:", first.Output, StringComparison.Ordinal);
        Assert.Equal(["Checkpoints: a draft, polished.", "Leases: a draft, polished."], await File.ReadAllLinesAsync(published));

        // Run 2: resumes from the checkpoint of step 3; step 4 runs again but its answer and its tool result come from the store.
        var second = await ChildProcess.RunAsync("dotnet", [sample], _work.Path, Timeout);

        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}:\n{second.Output}");
        Assert.Contains("resuming workflow 'publish-topics' from checkpoint 3 of 6", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("step 3 ", second.Output, StringComparison.Ordinal);
        Assert.Contains(
            "step 4 publish 'leases': model call replayed from the store, tool replayed from the ledger (line not appended again)",
            second.Output,
            StringComparison.Ordinal);
        Assert.Contains("step 5 draft 'ledgers': model asked", second.Output, StringComparison.Ordinal);
        Assert.Contains("step 6 publish 'ledgers': model asked, tool appended the line", second.Output, StringComparison.Ordinal);
        Assert.Contains("output: published 3 lines", second.Output, StringComparison.Ordinal);
        Assert.Contains("this run: 2 model calls made, 1 replayed; 1 lines appended, 1 tool calls replayed", second.Output, StringComparison.Ordinal);

        // The tool's effect happened exactly once per topic, across the kill.
        Assert.Equal(
            ["Checkpoints: a draft, polished.", "Leases: a draft, polished.", "Ledgers: a draft, polished."],
            await File.ReadAllLinesAsync(published));

        // Run 3: nothing left to do, nothing appended.
        var third = await ChildProcess.RunAsync("dotnet", [sample], _work.Path, Timeout);
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Contains("the workflow already finished (6 checkpoints", third.Output, StringComparison.Ordinal);
        Assert.Equal(3, (await File.ReadAllLinesAsync(published)).Length);
    }

    [Fact]
    public async Task A_bad_argument_is_refused_with_the_usage()
    {
        var run = await ChildProcess.RunAsync("dotnet", [Repository.Sample("AgentOs.Samples.AgentFramework"), "--crash-after", "7"], _work.Path, Timeout);

        Assert.Equal(64, run.ExitCode);
        Assert.Contains("Usage: [--crash-after <1..6>]", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work.Path, "store")), "a refused run created a store");
    }
}
