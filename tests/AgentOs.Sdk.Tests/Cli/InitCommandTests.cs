using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Cli;

public sealed class InitCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Init_creates_and_migrates_a_store_and_prints_its_version_and_settings()
    {
        var path = _temp.Combine("stores", "registry.sqlite");

        var (exitCode, stdout, stderr) = CliRunner.Run("init", path);

        Assert.True(exitCode == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"Created AgentOs store {path}", lines[0]);
        Assert.Contains($"schema          {StoreSchema.CurrentVersion}", lines);
        Assert.Contains("journal_mode    wal", lines);
        Assert.Contains("busy_timeout    5000 ms", lines);
        Assert.Contains("synchronous     full", lines);
        Assert.Contains("foreign_keys    on", lines);
        Assert.Contains("application_id  0x41674F53", lines);
        Assert.DoesNotContain('\e', stdout);
        Assert.True(new StartupHealthCheck(path).RunAllChecks().AllPassed);
    }

    [Fact]
    public void Init_on_an_existing_store_opens_it()
    {
        var path = _temp.Combine("registry.sqlite");
        Assert.Equal(0, CliRunner.Run("init", path).ExitCode);

        var (exitCode, stdout, _) = CliRunner.Run("init", path);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"Opened AgentOs store {path}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_refuses_a_database_of_another_application_and_exits_1()
    {
        var path = Health.TestDatabases.OtherApplicationDatabase(_temp.Combine("other.db"));
        var before = FileFingerprint.Take(path);

        var (exitCode, stdout, stderr) = CliRunner.Run("init", path);

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        Assert.StartsWith("agentos: error: The database has 1 tables but is not an AgentOs store", stderr, StringComparison.Ordinal);
        Assert.Contains(path, stderr, StringComparison.Ordinal);
        before.AssertUnchanged();
    }

    [Fact]
    public void Init_on_a_directory_exits_1_naming_it()
    {
        var (exitCode, _, stderr) = CliRunner.Run("init", _temp.Path);

        Assert.Equal(1, exitCode);
        Assert.Contains($"'{_temp.Path}' is a directory", stderr, StringComparison.Ordinal);
    }
}
