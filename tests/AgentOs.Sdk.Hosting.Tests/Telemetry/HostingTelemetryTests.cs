using System.Diagnostics.Metrics;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Health;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Hosting.Tests.Telemetry;

public sealed class HostingTelemetryTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_failed_health_check_is_counted_by_name_through_the_hosts_meter_factory_and_logged_with_stable_ids()
    {
        var artifacts = Directory.CreateDirectory(_dir.File("artifacts")).FullName;
        using var host = HostFactory.Build(
            _clock,
            o =>
            {
                o.DatabasePath = _dir.File("agentos.sqlite");
                o.BusyTimeout = TimeSpan.FromSeconds(1);
                o.AllowShortBusyTimeout = true;
                o.HealthCheckMode = HealthCheckMode.Safe;
                o.ArtifactDirectories.Add(artifacts);
            },
            services => services.AddLogging(logging => logging.AddFakeLogging()));
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        using var failed = new MetricCollector<long>(meterFactory, AgentOsInstruments.MeterName, AgentOsInstruments.HealthCheckFailed);

        await host.StartAsync();

        var measurement = Assert.Single(failed.GetMeasurementSnapshot());
        Assert.Equal("{check}", failed.Instrument!.Unit);
        Assert.Equal(1, measurement.Value);
        Assert.Equal(HealthCheckNames.BusyTimeout, measurement.Tags[AgentOsTags.HealthCheck]);

        var logs = host.Services.GetFakeLogCollector().GetSnapshot();
        var checkFailed = Assert.Single(logs, r => r.Id.Id == 902);
        Assert.Equal("StartupHealthCheckFailed", checkFailed.Id.Name);
        Assert.Equal(LogLevel.Warning, checkFailed.Level);
        Assert.Contains(HealthCheckNames.BusyTimeout, checkFailed.Message, StringComparison.Ordinal);
        Assert.Contains("recovery is off", checkFailed.Message, StringComparison.Ordinal);
        Assert.Single(logs, r => r.Id.Id == 908 && r.Id.Name == "RecoverySkipped");
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_up_recovery_logs_each_file_it_touched()
    {
        var artifacts = Directory.CreateDirectory(_dir.File("artifacts")).FullName;
        var orphan = Path.Combine(artifacts, ".state.json.00000000000000aa.tmp");
        File.WriteAllText(orphan, "partial");
        using var host = HostFactory.Build(
            _clock,
            o =>
            {
                o.DatabasePath = _dir.File("agentos.sqlite");
                o.ArtifactDirectories.Add(artifacts);
                o.ArtifactDirectories.Add(_dir.File("missing"));
            },
            services => services.AddLogging(logging => logging.AddFakeLogging()));

        await host.StartAsync();

        var logs = host.Services.GetFakeLogCollector().GetSnapshot();
        var deleted = Assert.Single(logs, r => r.Id.Id == 906);
        Assert.Equal("TempFileDeleted", deleted.Id.Name);
        Assert.Contains(orphan, deleted.Message, StringComparison.Ordinal);
        Assert.Single(logs, r => r.Id.Id == 907 && r.Message.Contains(_dir.File("missing"), StringComparison.Ordinal));
        Assert.Single(logs, r => r.Id.Id == 901 && r.Id.Name == "StartupHealthPassed");
        await host.StopAsync();
    }
}
