using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.Cli;

[Trait("Category", "CrashStates")]
public sealed class DurabilityCheckCommandTests
{
    [StraceFact]
    public void Durability_check_reports_states_per_operation_and_model_and_exits_0()
    {
        var (exitCode, stdout, stderr) = CliRunner.Run("durability-check", "--scenario", "write-all-bytes", "--scenario", "naive-in-place");

        Assert.True(exitCode == 0, $"exit {exitCode}: {stdout} {stderr}");
        Assert.Matches(@"write-all-bytes\s+posix\s+\d+\s+\d+\s+0\s+ok", stdout);
        Assert.Matches(@"write-all-bytes\s+ext4-ordered\s+\d+\s+\d+\s+0\s+ok", stdout);
        Assert.Matches(@"naive-in-place\s+posix\s+\d+\s+\d+\s+[1-9]\d*\s+fails, as it must", stdout);
        // A violating state is described so that it can be replayed: which calls persisted and which were lost.
        Assert.Contains("persisted: [", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_model_is_a_usage_error()
    {
        var (exitCode, _, stderr) = CliRunner.Run("durability-check", "--model", "ntfs");

        Assert.Equal(2, exitCode);
        Assert.Contains("ntfs", stderr, StringComparison.Ordinal);
    }
}
