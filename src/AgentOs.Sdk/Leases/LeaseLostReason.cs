namespace AgentOs.Sdk.Leases;

/// <summary>Why a worker no longer holds a lease.</summary>
public enum LeaseLostReason
{
    /// <summary>The lease expired; nobody else has acquired the item yet, but anyone may.</summary>
    Expired,

    /// <summary>Another acquisition happened after this one (the item's epoch is higher): another worker holds or held it.</summary>
    Superseded,

    /// <summary>
    /// The item is no longer leased under this epoch: it was released, or the recovery sweep re-queued or failed it after
    /// the lease expired.
    /// </summary>
    NotLeased,

    /// <summary>The lease names another worker than the one using it: only the holder may renew, release or write under it.</summary>
    NotHolder,

    /// <summary>The work item no longer exists.</summary>
    NotFound,

    /// <summary>
    /// A heartbeat could not reach the store. The lease may still be held, but the worker cannot prove it and must act as
    /// if it were lost.
    /// </summary>
    RenewalFailed,
}
