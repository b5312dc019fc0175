using AgentOs.Sdk.Health;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>The seed's one-liner, <see cref="StartupHealthCheck.Run"/>, in each mode.</summary>
public sealed class RunModeTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Strict_throws_listing_every_failed_check_with_the_report()
    {
        var path = TestDatabases.OtherApplicationDatabase(_temp.Combine("other.db"));
        var logger = new RecordingLogger();

        var ex = Assert.Throws<StartupHealthCheckException>(() => StartupHealthCheck.Run(path, HealthCheckMode.Strict, verbose: true, logger));

        Assert.NotNull(ex.Report);
        Assert.Equal(HealthCheckMode.Strict, ex.Report.Mode);
        Assert.StartsWith($"The AgentOs store '{path}' failed 4 of 8 start-up health checks:", ex.Message, StringComparison.Ordinal);
        foreach (var failed in ex.Report.Summary.ChecksFailed)
        {
            Assert.Contains($"  {failed}: ", ex.Message, StringComparison.Ordinal);
        }

        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("AgentOs start-up health check:", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("start-up refused", StringComparison.Ordinal));
    }

    [Fact]
    public void Strict_returns_the_report_when_everything_passed()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));
        var logger = new RecordingLogger();

        var report = StartupHealthCheck.Run(path, logger: logger);

        Assert.True(report.RecoveryEnabled);
        Assert.Equal(HealthCheckMode.Strict, report.Mode);
        var table = Assert.Single(logger.Entries, e => e.Level == LogLevel.Information);
        Assert.Contains("8 passed, 0 failed", table.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Safe_returns_a_report_with_recovery_disabled()
    {
        var path = TestDatabases.StoreAtSchema023(_temp.Combine("old.db"));
        var logger = new RecordingLogger();

        var report = StartupHealthCheck.Run(path, HealthCheckMode.Safe, verbose: false, logger);

        Assert.False(report.RecoveryEnabled);
        Assert.False(report.AllPassed);
        var warning = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("schema_version failed", warning.Message, StringComparison.Ordinal);
        Assert.Contains("safe mode turns recovery off", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dev_warns_for_each_failure_and_goes_on_with_recovery_enabled()
    {
        var path = TestDatabases.OtherApplicationDatabase(_temp.Combine("other.db"));
        var logger = new RecordingLogger();

        var report = StartupHealthCheck.Run(path, HealthCheckMode.Dev, verbose: false, logger);

        Assert.True(report.RecoveryEnabled);
        Assert.False(report.AllPassed);
        Assert.Equal(report.Summary.FailedCount, logger.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("dev mode goes on", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_unknown_mode_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StartupHealthCheck.Run(_temp.Combine("a.db"), (HealthCheckMode)42));
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
