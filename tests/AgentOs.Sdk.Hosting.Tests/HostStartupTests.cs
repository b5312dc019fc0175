using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Hosting.Tests;

public sealed class HostStartupTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_healthy_store_starts_with_every_module_registered_once()
    {
        using var host = HostFactory.Build(_clock, o => o.DatabasePath = _dir.File("store/agentos.sqlite"));
        await host.StartAsync();

        var state = host.Services.GetRequiredService<IAgentOsRecoveryState>();
        Assert.True(state.StartupCompleted);
        Assert.True(state.RecoveryEnabled);
        Assert.True(state.HealthReport!.AllPassed, state.HealthReport.ToTable());
        Assert.True(File.Exists(_dir.File("store/agentos.sqlite")));

        var store = host.Services.GetRequiredService<AgentOsStore>();
        Assert.Same(store, host.Services.GetRequiredService<CheckpointManager>().Store);
        Assert.Same(store, host.Services.GetRequiredService<LeaseManager>().Store);
        Assert.Same(_clock, host.Services.GetRequiredService<LeaseManager>().TimeProvider);
        Assert.NotNull(host.Services.GetRequiredService<WorkQueue>());
        Assert.NotNull(host.Services.GetRequiredService<RecoverySweep>());
        Assert.Same(store, host.Services.GetRequiredService<IdempotencyStore>().Store);
        Assert.NotNull(host.Services.GetRequiredService<LlmOutputCache>());
        Assert.NotNull(host.Services.GetRequiredService<ToolLedger>());
        Assert.Same(host.Services.GetRequiredService<IdempotencyStore>(), host.Services.GetRequiredService<IdempotencyStore>());

        await host.StopAsync();
    }

    [Fact]
    public async Task A_store_that_fails_the_strict_check_stops_the_host_with_every_failed_check_in_the_exception()
    {
        // The store opens with a 1 s busy timeout (allowed), but the start-up check requires 5 s for recovery to be safe.
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.BusyTimeout = TimeSpan.FromSeconds(1);
            o.AllowShortBusyTimeout = true;
        });

        var ex = await Assert.ThrowsAsync<StartupHealthCheckException>(() => host.StartAsync());
        Assert.Contains(HealthCheckNames.BusyTimeout, ex.Message, StringComparison.Ordinal);
        Assert.Equal([HealthCheckNames.BusyTimeout], ex.Report!.Checks.Where(c => !c.Passed).Select(c => c.Name));
        Assert.False(host.Services.GetRequiredService<IAgentOsRecoveryState>().StartupCompleted);
    }

    [Fact]
    public async Task Safe_mode_starts_with_recovery_off_and_leaves_artifacts_and_leases_alone()
    {
        var artifacts = Directory.CreateDirectory(_dir.File("artifacts")).FullName;
        var orphan = Path.Combine(artifacts, ".state.json.00000000000000aa.tmp");
        File.WriteAllText(orphan, "partial");
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.BusyTimeout = TimeSpan.FromSeconds(1);
            o.AllowShortBusyTimeout = true;
            o.HealthCheckMode = HealthCheckMode.Safe;
            o.ArtifactDirectories.Add(artifacts);
        });

        await host.StartAsync();
        var state = host.Services.GetRequiredService<IAgentOsRecoveryState>();
        Assert.True(state.StartupCompleted);
        Assert.False(state.RecoveryEnabled);
        Assert.False(state.HealthReport!.AllPassed);
        Assert.Empty(state.ArtifactRecovery);
        Assert.True(File.Exists(orphan), "recovery is off: start-up must not touch the artifact directory");

        var sweep = host.Services.GetServices<IHostedService>().OfType<AgentOsRecoverySweepService>().Single();
        await sweep.Waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(sweep.ExecuteTask!.IsCompleted, "the sweep does not run with recovery off");
        await host.StopAsync();
    }

    [Fact]
    public async Task Dev_mode_warns_and_starts_with_recovery_on()
    {
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.BusyTimeout = TimeSpan.FromSeconds(1);
            o.AllowShortBusyTimeout = true;
            o.HealthCheckMode = HealthCheckMode.Dev;
        });

        await host.StartAsync();
        var state = host.Services.GetRequiredService<IAgentOsRecoveryState>();
        Assert.False(state.HealthReport!.AllPassed);
        Assert.True(state.RecoveryEnabled);
        await host.StopAsync();
    }

    [Fact]
    public async Task Orphan_temp_files_in_an_artifact_directory_are_gone_after_start()
    {
        var artifacts = Directory.CreateDirectory(_dir.File("artifacts")).FullName;
        var nested = Directory.CreateDirectory(Path.Combine(artifacts, "nested")).FullName;
        var orphan = Path.Combine(artifacts, ".state.json.00000000000000aa.tmp");
        var nestedOrphan = Path.Combine(nested, ".deep.bin.00000000000000bb.tmp");
        File.WriteAllText(orphan, "partial");
        File.WriteAllText(nestedOrphan, "partial");
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.ArtifactDirectories.Add(artifacts);
            o.ArtifactDirectories.Add(_dir.File("not-created-yet"));
            o.RecoverArtifactsRecursively = true;
        });

        await host.StartAsync();
        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(nestedOrphan));
        var result = Assert.Single(host.Services.GetRequiredService<IAgentOsRecoveryState>().ArtifactRecovery);
        Assert.Equal(2, result.Deleted.Count);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_strict_start_and_starts_safe_mode_with_recovery_off()
    {
        var path = _dir.File("agentos.sqlite");
        await File.WriteAllTextAsync(path, "this is not a database");

        using (var strict = HostFactory.Build(_clock, o => o.DatabasePath = path))
        {
            var ex = await Assert.ThrowsAsync<StoreException>(() => strict.StartAsync());
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        }

        using var safe = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = path;
            o.HealthCheckMode = HealthCheckMode.Safe;
        });
        await safe.StartAsync();
        var state = safe.Services.GetRequiredService<IAgentOsRecoveryState>();
        Assert.True(state.StartupCompleted);
        Assert.False(state.RecoveryEnabled);
        Assert.False(state.HealthReport!.AllPassed);
        Assert.Equal("this is not a database", await File.ReadAllTextAsync(path));
        await safe.StopAsync();
    }
}
