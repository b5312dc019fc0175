using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// Runs before the app serves (<see cref="IHostedLifecycleService.StartingAsync"/>, ahead of every hosted service's
/// <c>StartAsync</c>): opens the store (creating and migrating it when new), runs the start-up health check in the
/// configured mode, then <see cref="AtomicFile.Recover(string)"/> over the artifact directories. Registers the release
/// of every tracked lease on <see cref="IHostApplicationLifetime.ApplicationStopping"/>.
/// </summary>
internal sealed class AgentOsStartupService(
    IServiceProvider services,
    IOptions<AgentOsOptions> options,
    AgentOsRecoveryState state,
    IHostApplicationLifetime lifetime,
    AgentOsTelemetry telemetry,
    TimeProvider timeProvider,
    ILogger<AgentOsStartupService> logger) : IHostedLifecycleService
{
    private CancellationTokenRegistration _stopping;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var mode = settings.HealthCheckMode;
        var databasePath = Path.GetFullPath(settings.DatabasePath!);
        var opened = false;

        try
        {
            // Opening creates and migrates a new store, so a first deployment passes; a store that cannot open is reported below.
            await Task.Run(services.GetRequiredService<AgentOsStore>, cancellationToken).ConfigureAwait(false);
            opened = true;
        }
        catch (Exception ex) when (ex is StoreException or IOException or UnauthorizedAccessException)
        {
            if (mode == HealthCheckMode.Strict)
            {
                HostingLog.StartupRefused(logger, ex, databasePath);
                throw;
            }

            HostingLog.StoreOpenFailed(logger, databasePath, mode, ex.Message);
        }

        var check = new StartupHealthCheck(databasePath, new StartupHealthCheckOptions
        {
            StoreOptions = settings.ToStoreOptions(timeProvider),
            Logger = logger,
            TimeProvider = timeProvider,
        });
        var report = await check.RunAllChecksAsync(cancellationToken).ConfigureAwait(false);
        var failed = report.Checks.Where(c => !c.Passed).ToList();
        foreach (var entry in failed)
        {
            telemetry.OnHealthCheckFailed(entry.Name);
            HostingLog.CheckFailed(logger, entry.Name, databasePath, mode, Consequence(mode), entry.Message);
        }

        if (failed.Count > 0 && mode == HealthCheckMode.Strict)
        {
            var refused = new StartupHealthCheckException(report);
            HostingLog.StartupRefused(logger, refused, databasePath);
            throw refused;
        }

        if (failed.Count == 0)
        {
            HostingLog.HealthPassed(logger, databasePath, report);
        }

        var recoveryEnabled = opened && (failed.Count == 0 || mode == HealthCheckMode.Dev);
        var recovered = new List<AtomicRecoveryResult>();
        if (recoveryEnabled)
        {
            foreach (var directory in settings.ArtifactDirectories)
            {
                cancellationToken.ThrowIfCancellationRequested();
                recovered.AddRange(Recover(directory, settings.RecoverArtifactsRecursively));
            }
        }
        else
        {
            HostingLog.RecoverySkipped(logger, databasePath);
        }

        state.Started(report, recoveryEnabled, recovered);
        if (opened)
        {
            var heartbeats = services.GetRequiredService<LeaseHeartbeatRegistry>();
            _stopping = lifetime.ApplicationStopping.Register(heartbeats.StopAll);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    private IEnumerable<AtomicRecoveryResult> Recover(string directory, bool recursive)
    {
        var fullPath = Path.GetFullPath(directory);
        if (!Directory.Exists(fullPath))
        {
            HostingLog.DirectoryMissing(logger, fullPath);
            yield break;
        }

        var result = AtomicFile.Recover(fullPath, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly);
        foreach (var path in result.Completed)
        {
            HostingLog.RolledForward(logger, path);
        }

        foreach (var path in result.RolledBack)
        {
            HostingLog.RolledBack(logger, path);
        }

        foreach (var path in result.Deleted)
        {
            HostingLog.TempDeleted(logger, path);
        }

        yield return result;
    }

    private static string Consequence(HealthCheckMode mode) => mode switch
    {
        HealthCheckMode.Strict => "the host does not start",
        HealthCheckMode.Safe => "recovery is off",
        _ => "going on with recovery enabled",
    };
}
