using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Cli;

public sealed class VerifyCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Valid_files_are_listed_with_size_and_hash_and_exit_0()
    {
        var first = AtomicFile.WriteAllText(_temp.Combine("a.json"), "{\"step\":1}");
        var second = AtomicFile.WriteAllText(_temp.Combine("b.txt"), "done");

        var (exitCode, stdout, stderr) = CliRunner.Run("verify", first.Path, second.Path);

        Assert.True(exitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"  OK    {first.Path}  {first.Size} bytes, sha256 {first.Sha256}", lines[0]);
        Assert.Equal($"  OK    {second.Path}  {second.Size} bytes, sha256 {second.Sha256}", lines[1]);
        Assert.Equal("  2 files: 2 valid, 0 invalid", lines[2]);
    }

    [Fact]
    public void A_changed_file_a_missing_marker_and_a_missing_file_each_fail_and_exit_1()
    {
        var good = AtomicFile.WriteAllText(_temp.Combine("good.txt"), "good");
        var changed = AtomicFile.WriteAllText(_temp.Combine("changed.txt"), "original");
        File.WriteAllText(changed.Path, "tampered");
        var unmarked = _temp.Combine("unmarked.txt");
        File.WriteAllText(unmarked, "plain write");
        var missing = _temp.Combine("missing.txt");

        var (exitCode, stdout, _) = CliRunner.Run("verify", good.Path, changed.Path, unmarked, missing);

        Assert.Equal(1, exitCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"  OK    {good.Path}", lines[0], StringComparison.Ordinal);
        AssertFailure(lines[1], changed.Path, AtomicFile.Verify(changed.Path).Error!);
        AssertFailure(lines[2], unmarked, AtomicFile.Verify(unmarked).Error!);
        AssertFailure(lines[3], missing, AtomicFile.Verify(missing).Error!);
        Assert.Equal("  4 files: 1 valid, 3 invalid", lines[4]);
    }

    [Fact]
    public void A_file_without_a_marker_passes_when_markers_may_be_missing()
    {
        var unmarked = _temp.Combine("unmarked.txt");
        File.WriteAllText(unmarked, "plain write");

        var (exitCode, stdout, _) = CliRunner.Run("verify", "--allow-missing-marker", unmarked);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"  OK    {unmarked}  exists, no .ok marker", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_without_files_is_a_usage_error()
    {
        var (exitCode, stdout, stderr) = CliRunner.Run("verify");

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("Run 'agentos verify --help' for usage.", stderr, StringComparison.Ordinal);
    }

    // The reason is AtomicFile.Verify's own message, which names the path again.
    private static void AssertFailure(string line, string path, string error)
    {
        Assert.Equal($"  FAIL  {path}  {error}", line);
        Assert.Contains(path, error, StringComparison.Ordinal);
    }
}
