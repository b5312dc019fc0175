namespace AgentOs.Sdk.Leases;

/// <summary>Tells a <see cref="LeaseHeartbeat.Lost"/> handler which lease was lost and why.</summary>
public sealed class LeaseLostEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public LeaseLostEventArgs(LeaseLostException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception = exception;
    }

    /// <summary>What happened: the reason, the item and the state found.</summary>
    public LeaseLostException Exception { get; }

    /// <summary>Why the lease was lost.</summary>
    public LeaseLostReason Reason => Exception.Reason;
}
