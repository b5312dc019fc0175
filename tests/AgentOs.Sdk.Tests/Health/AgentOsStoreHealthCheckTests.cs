using AgentOs.Sdk.Health;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>The check inside Microsoft.Extensions.Diagnostics.HealthChecks, through a real container and HealthCheckService.</summary>
public sealed class AgentOsStoreHealthCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_healthy_store_is_healthy_with_each_check_in_the_data()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = await CheckHealth(builder => builder.AddAgentOsStore(path, tags: ["ready"]));

        var entry = report.Entries[AgentOsHealthChecksBuilderExtensions.DefaultName];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(["ready"], entry.Tags);
        Assert.Equal(Path.GetFullPath(path), entry.Data["database_path"]);
        Assert.Equal("0.24", entry.Data["database_schema_version"]);
        foreach (var name in HealthAssert.StartupChecks)
        {
            var check = Assert.IsType<HealthCheckResultEntry>(entry.Data[name]);
            Assert.True(check.Passed, check.Message);
        }

        // Fast by default: a check that runs every few seconds must not read the whole store.
        Assert.False(entry.Data.ContainsKey(HealthCheckNames.QuickCheck));
    }

    [Fact]
    public async Task A_deep_registration_adds_quick_check()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = await CheckHealth(builder => builder.AddAgentOsStore(path, configure: options => options.Depth = HealthCheckDepth.Deep));

        var entry = report.Entries[AgentOsHealthChecksBuilderExtensions.DefaultName];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        var check = Assert.IsType<HealthCheckResultEntry>(entry.Data[HealthCheckNames.QuickCheck]);
        Assert.True(check.Passed, check.Message);
    }

    [Fact]
    public async Task A_failure_reports_the_registrations_failure_status_and_names_the_failed_checks()
    {
        var path = _temp.Combine("missing.db");

        var report = await CheckHealth(builder => builder.AddAgentOsStore(path, name: "store", failureStatus: HealthStatus.Degraded));

        var entry = report.Entries["store"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.StartsWith("6 of 8 checks failed on", entry.Description, StringComparison.Ordinal);
        Assert.Contains("db_exists: '", entry.Description, StringComparison.Ordinal);
        Assert.False(Assert.IsType<HealthCheckResultEntry>(entry.Data[HealthCheckNames.DbExists]).Passed);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Without_a_failure_status_a_failure_is_unhealthy_and_options_come_from_configure()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = await CheckHealth(builder => builder.AddAgentOsStore(
            path,
            configure: options => options.StoreOptions = new() { BusyTimeout = TimeSpan.FromMilliseconds(250), AllowShortBusyTimeout = true }));

        var entry = report.Entries[AgentOsHealthChecksBuilderExtensions.DefaultName];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("busy_timeout: ", entry.Description, StringComparison.Ordinal);
        Assert.Contains("250 ms", Assert.IsType<HealthCheckResultEntry>(entry.Data[HealthCheckNames.BusyTimeout]).Message, StringComparison.Ordinal);
    }

    private static async Task<HealthReport> CheckHealth(Action<IHealthChecksBuilder> register)
    {
        var services = new ServiceCollection();
        // The health check service logs through ILogger<T>; no logging provider is needed to test it.
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        register(services.AddHealthChecks());
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync();
    }
}
