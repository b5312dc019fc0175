namespace AgentOs.Sdk.Leases;

/// <summary>
/// The worker no longer holds the lease it tried to use: renewing, releasing or a fenced write was refused, and nothing
/// was written. The worker must stop working on the item; its output was not recorded.
/// </summary>
public sealed class LeaseLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LeaseLostException()
        : this("The lease is no longer held.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public LeaseLostException(string message)
        : base(message)
    {
        WorkItemId = string.Empty;
        Holder = string.Empty;
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
        WorkItemId = string.Empty;
        Holder = string.Empty;
    }

    /// <summary>Creates the exception for a lease.</summary>
    /// <param name="lease">The lease that is lost.</param>
    /// <param name="reason">Why it is lost.</param>
    /// <param name="message">What happened, naming the item, the holder and the epochs.</param>
    /// <param name="current">The item's state when the loss was found, if it still exists.</param>
    /// <param name="innerException">The error that made a heartbeat fail, if any.</param>
    public LeaseLostException(Lease lease, LeaseLostReason reason, string message, WorkItem? current = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(lease);
        WorkItemId = lease.WorkItemId;
        Holder = lease.Holder;
        Epoch = lease.Epoch;
        Reason = reason;
        Current = current;
    }

    /// <summary>The work item the lease was on.</summary>
    public string WorkItemId { get; }

    /// <summary>The worker that held the lease.</summary>
    public string Holder { get; }

    /// <summary>The lost lease's epoch (fencing token).</summary>
    public long Epoch { get; }

    /// <summary>Why the lease is lost.</summary>
    public LeaseLostReason Reason { get; }

    /// <summary>The item as it was when the loss was found (its current holder and epoch), or null.</summary>
    public WorkItem? Current { get; }
}
