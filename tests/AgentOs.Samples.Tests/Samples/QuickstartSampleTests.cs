using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Samples;

public sealed class QuickstartSampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Runs_end_to_end_in_a_fresh_folder_and_adds_a_checkpoint_on_each_run()
    {
        var sample = Repository.Sample("AgentOs.Samples.Quickstart");

        var first = await ChildProcess.RunAsync("dotnet", [sample], _work.Path, Timeout);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains($"Store: {Path.Combine(_work.Path, "store", "agentos.db")}", first.Output, StringComparison.Ordinal);
        Assert.Contains("Health: 8 checks passed", first.Output, StringComparison.Ordinal);
        Assert.Contains("Checkpoint: #1 Verified", first.Output, StringComparison.Ordinal);
        Assert.Contains("Verify artifact: valid", first.Output, StringComparison.Ordinal);
        Assert.Contains("Verify checkpoint: verified", first.Output, StringComparison.Ordinal);
        Assert.Contains("OK: store healthy, artifact written, checkpoint verified.", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_work.Path, "store", "artifacts", "report.json.ok")), "no .ok marker beside the artifact");

        var second = await ChildProcess.RunAsync("dotnet", [sample], _work.Path, Timeout);

        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Checkpoint: #2 Verified", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fails_with_a_non_zero_exit_code_when_the_store_is_not_a_database()
    {
        // A store file that is not SQLite must stop the app before it writes anything, not be silently replaced.
        Directory.CreateDirectory(Path.Combine(_work.Path, "store"));
        await File.WriteAllTextAsync(Path.Combine(_work.Path, "store", "agentos.db"), "this is not a database");

        var run = await ChildProcess.RunAsync("dotnet", [Repository.Sample("AgentOs.Samples.Quickstart")], _work.Path, Timeout);

        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("OK:", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work.Path, "store", "artifacts", "report.json")), "an artifact was written with a broken store");
    }
}
