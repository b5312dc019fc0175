using System.Text.Json;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>
/// Permissions as an ordinary user meets them. Root reads and writes everything, so when the tests run as root the check
/// runs in a child process as nobody (uid 65534); otherwise it runs in-process as the current, unprivileged user.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PermissionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public PermissionTests()
    {
        if (ChildProcess.CanRunUnprivileged)
        {
            Unprivileged.MakeTraversable(_temp.Path);
        }
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_database_the_user_cannot_read_fails_db_exists_with_permission_denied()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("private.db"));
        File.SetUnixFileMode(path, ChildProcess.CanRunUnprivileged ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.None);
        var before = FileFingerprintAsRoot(path);

        var checks = RunCheckAsUnprivilegedUser(path);

        before?.AssertUnchanged();
        var dbExists = checks[HealthCheckNames.DbExists];
        Assert.False(dbExists.Passed);
        Assert.Contains($"'{path}' cannot be read: permission denied", dbExists.Message, StringComparison.Ordinal);
        Assert.Equal("Not run: db_exists failed.", checks[HealthCheckNames.SchemaVersion].Message);
    }

    [Fact]
    public void A_healthy_store_in_a_directory_the_user_cannot_write_fails_directory_writable_only()
    {
        var directory = _temp.Combine("read-only-dir");
        Directory.CreateDirectory(directory);
        var path = TestDatabases.HealthyStore(Path.Combine(directory, "registry.sqlite"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute | (ChildProcess.CanRunUnprivileged ? UnixFileMode.UserWrite : UnixFileMode.None));
        var before = FileFingerprint.Take(path);

        var checks = RunCheckAsUnprivilegedUser(path);

        before.AssertUnchanged();
        var failed = checks.Values.Where(c => !c.Passed).ToList();
        var only = Assert.Single(failed);
        Assert.Equal(HealthCheckNames.DirectoryWritable, only.Name);
        Assert.Contains($"'{directory}' does not accept new files (permission denied for this user)", only.Message, StringComparison.Ordinal);
        // The WAL database was read although SQLite could not have created its -wal and -shm files here.
        Assert.True(checks[HealthCheckNames.QuickCheck].Passed);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static FileFingerprint? FileFingerprintAsRoot(string path) =>
        ChildProcess.CanRunUnprivileged ? FileFingerprint.Take(path) : null;

    private static Dictionary<string, HealthCheckResultEntry> RunCheckAsUnprivilegedUser(string path)
    {
        if (!ChildProcess.CanRunUnprivileged)
        {
            Assert.False(Environment.IsPrivilegedProcess, "Running as root without setpriv: permissions cannot be tested.");
            return new StartupHealthCheck(path, new StartupHealthCheckOptions { Depth = HealthCheckDepth.Deep }).RunAllChecks().Checks.ToDictionary(c => c.Name);
        }

        var (exitCode, stdout, stderr) = Unprivileged.Run(BuiltProgram.TestHost, "run-health-check", path);
        Assert.True(exitCode == 1, $"exit {exitCode}; stderr: {stderr}; stdout: {stdout}");
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => new HealthCheckResultEntry(
                c.GetProperty("name").GetString()!,
                c.GetProperty("passed").GetBoolean(),
                c.GetProperty("message").GetString()!,
                TimeSpan.FromMilliseconds(c.GetProperty("duration_ms").GetDouble())));
    }
}
