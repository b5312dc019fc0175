using AgentOs.Sdk.Diagnostics;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Leases;

// Telemetry around lease decisions: a span per acquisition, the counters, and the log events an incident needs.
public sealed partial class LeaseManager
{
    private Lease? Acquire(SqliteConnection connection, string? workItemId, string? kind, TimeSpan duration)
    {
        using var activity = AgentOsTelemetry.StartLeaseAcquire(workItemId, kind, WorkerId);
        try
        {
            var lease = AcquireCore(connection, workItemId, kind, duration);
            _store.Telemetry.OnLeaseAcquired(activity, lease);
            if (lease is not null)
            {
                AgentOsLog.LeaseAcquired(_store.Logger, WorkerId, lease.WorkItemId, lease.Kind, lease.Epoch, lease.Attempt, lease.MaxAttempts);
            }

            return lease;
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private LeaseLostException Lost(Lease lease, WorkItem? current, long now, string doing) => ReportLost(LostCore(lease, current, now, doing));

    /// <summary>Counts and logs a lost lease (who held it, which epoch, why); returns the exception for the caller to throw.</summary>
    internal LeaseLostException ReportLost(LeaseLostException lost)
    {
        _store.Telemetry.OnLeaseLost(lost.Reason);
        AgentOsLog.LeaseLost(_store.Logger, lost.Holder, lost.Epoch, lost.WorkItemId, AgentOsTelemetry.ReasonName(lost.Reason), lost.Message);
        return lost;
    }
}
