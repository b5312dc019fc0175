using AgentOs.Sdk.Recovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// Runs the <see cref="RecoverySweep"/> every <see cref="AgentOsOptions.SweepInterval"/> on a <see cref="PeriodicTimer"/>
/// from the <see cref="TimeProvider"/>, each run up to <see cref="AgentOsOptions.SweepJitter"/> later at random. A failed
/// run is logged and retried after a doubling back-off (at most <see cref="AgentOsOptions.SweepMaxBackoff"/>); it never
/// stops the host. Does not run when recovery is off (Safe mode after a failed health check) or the sweep is disabled.
/// </summary>
internal sealed class AgentOsRecoverySweepService(
    IServiceProvider services,
    IOptions<AgentOsOptions> options,
    AgentOsRecoveryState state,
    TimeProvider timeProvider,
    ILogger<AgentOsRecoverySweepService> logger) : BackgroundService
{
    private readonly TaskCompletionSource _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the service waits on its timer (or has decided not to run): tests advance time after it.</summary>
    internal Task Waiting => _waiting.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.SweepEnabled || !state.RecoveryEnabled)
        {
            _waiting.TrySetResult();
            return;
        }

        // Resolved only now: the store is opened by the start-up service, which decides what a failure to open means.
        var sweep = services.GetRequiredService<RecoverySweep>();
        var failures = 0;
        using var timer = new PeriodicTimer(NextDelay(settings, failures), timeProvider);
        try
        {
            while (true)
            {
                var tick = timer.WaitForNextTickAsync(stoppingToken);
                _waiting.TrySetResult();
                if (!await tick.ConfigureAwait(false))
                {
                    break;
                }

                RecoveryStats? stats = null;
                Exception? error = null;
                try
                {
                    stats = await Task.Run(() => sweep.ScanAndRecoverAsync(stoppingToken), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    // Whatever failed (a locked or vanished store...), the host keeps running and the next run retries.
                    error = ex;
                }

                failures = error is null && stats is { Errors: 0 } ? 0 : failures + 1;
                timer.Period = NextDelay(settings, failures);
                if (failures > 0)
                {
                    HostingLog.SweepFailed(logger, error, failures, timer.Period);
                }

                state.Swept(stats);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // A clean stop.
        }

        HostingLog.SweepStopped(logger, state.SweepRuns);
    }

    /// <summary>The wait before the next run: the interval plus random jitter, or a doubling back-off after failures.</summary>
    internal static TimeSpan NextDelay(AgentOsOptions settings, int failures)
    {
        if (failures > 0)
        {
            var factor = Math.Pow(2, Math.Min(failures, 20));
            return TimeSpan.FromTicks((long)Math.Min(settings.SweepMaxBackoff.Ticks, settings.SweepInterval.Ticks * factor));
        }

        var jitter = settings.SweepJitter > TimeSpan.Zero ? TimeSpan.FromTicks(Random.Shared.NextInt64(settings.SweepJitter.Ticks)) : TimeSpan.Zero;
        return settings.SweepInterval + jitter;
    }
}
