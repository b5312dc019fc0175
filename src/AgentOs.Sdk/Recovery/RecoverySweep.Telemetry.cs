using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.Recovery;

// Telemetry around a sweep run: one span, the recovered counter, and a log line when the run found or failed anything.
public sealed partial class RecoverySweep
{
    private async ValueTask<RecoveryStats> RunAsync(bool async, CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartSweep();
        try
        {
            var stats = await RunCoreAsync(async, cancellationToken).ConfigureAwait(false);
            _store.Telemetry.OnSweepCompleted(activity, stats);
            if (stats.ExpiredFound > 0)
            {
                AgentOsLog.SweepRecovered(_store.Logger, _store.DatabasePath, stats.ExpiredFound, stats.Recovered, stats.FailedAfterMaxAttempts, stats.LeftAlone);
            }

            foreach (var error in stats.ErrorMessages)
            {
                AgentOsLog.SweepBatchFailed(_store.Logger, _store.DatabasePath, error);
            }

            return stats;
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }
}
