using System.Diagnostics;
using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.Leases;

// Telemetry around lease decisions: the acquired and lost counters, and the log events an incident needs (who, which epoch, why).
public sealed partial class LeaseManager
{
    /// <summary>Records a committed acquisition (or none) on the span, the counter and the log; returns the lease.</summary>
    private Lease? Acquired(Activity? activity, Lease? lease)
    {
        _store.Telemetry.OnLeaseAcquired(activity, lease);
        if (lease is not null)
        {
            AgentOsLog.LeaseAcquired(_store.Logger, WorkerId, lease.WorkItemId, lease.Kind, lease.Epoch, lease.Attempt, lease.MaxAttempts);
        }

        return lease;
    }

    // A loss is found inside a write transaction but reported (logged, counted) only once that transaction has ended, so
    // that a logger or listener that writes to the store, or blocks, never runs while the write lock is held (issue 14's shape).
    private T ReportingLoss<T>(Func<T> write)
    {
        try
        {
            return write();
        }
        catch (LeaseLostException lost)
        {
            ReportLost(lost);
            throw;
        }
    }

    private async ValueTask<T> ReportingLossAsync<T>(ValueTask<T> write)
    {
        try
        {
            return await write.ConfigureAwait(false);
        }
        catch (LeaseLostException lost)
        {
            ReportLost(lost);
            throw;
        }
    }

    /// <summary>Counts and logs a lost lease (who held it, which epoch, why); returns the exception for the caller to throw.</summary>
    internal LeaseLostException ReportLost(LeaseLostException lost)
    {
        _store.Telemetry.OnLeaseLost(lost.Reason);
        AgentOsLog.LeaseLost(_store.Logger, lost.Holder, lost.Epoch, lost.WorkItemId, AgentOsTelemetry.ReasonName(lost.Reason), lost.Message);
        return lost;
    }
}
