using AgentOs.Sdk.Health;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Health;

internal static class HealthAssert
{
    /// <summary>Every check, in report order, when all optional checks run.</summary>
    public static readonly string[] AllChecks =
    [
        HealthCheckNames.DbExists, HealthCheckNames.WalMode, HealthCheckNames.BusyTimeout, HealthCheckNames.SchemaVersion,
        HealthCheckNames.RecoveryTables, HealthCheckNames.ApplicationId, HealthCheckNames.SqliteVersion, HealthCheckNames.QuickCheck,
        HealthCheckNames.DirectoryWritable,
    ];

    /// <summary>The checks of the default (fast) start-up check, in report order: every check but quick_check.</summary>
    public static readonly string[] StartupChecks = [.. AllChecks.Where(c => c != HealthCheckNames.QuickCheck)];

    /// <summary>
    /// Runs the deep check (every check, quick_check included, so that each bad input meets every check) and asserts it
    /// changed nothing: same bytes in the database and its companions, none created.
    /// </summary>
    public static StartupHealthReport RunReadOnly(string path, StartupHealthCheckOptions? options = null, bool sharedIndexMayChange = false)
    {
        options ??= new StartupHealthCheckOptions();
        options.Depth = HealthCheckDepth.Deep;
        var before = FileFingerprint.Take(path);
        var report = new StartupHealthCheck(path, options).RunAllChecks();
        before.AssertUnchanged(sharedIndexMayChange);
        Assert.Equal(AllChecks, report.Checks.Select(c => c.Name));
        return report;
    }

    public static HealthCheckResultEntry Check(StartupHealthReport report, string name)
    {
        Assert.True(report.TryGetCheck(name, out var entry), $"No check named {name}.");
        return entry;
    }

    public static void Passed(StartupHealthReport report, params string[] names)
    {
        foreach (var name in names)
        {
            var entry = Check(report, name);
            Assert.True(entry.Passed, $"{name} failed: {entry.Message}");
        }
    }

    /// <summary>Asserts exactly these checks failed, each message containing the given text.</summary>
    public static void FailedExactly(StartupHealthReport report, params (string Name, string Contains)[] failures)
    {
        Assert.Equal(failures.Select(f => f.Name).Order(StringComparer.Ordinal), report.Summary.ChecksFailed.Order(StringComparer.Ordinal));
        foreach (var (name, contains) in failures)
        {
            Assert.Contains(contains, Check(report, name).Message, StringComparison.Ordinal);
        }

        Assert.False(report.AllPassed);
        Assert.False(report.RecoveryEnabled);
    }
}
