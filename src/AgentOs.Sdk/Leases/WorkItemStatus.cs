namespace AgentOs.Sdk.Leases;

/// <summary>Where a work item is in its life: waiting, held by a worker, or finished.</summary>
public enum WorkItemStatus
{
    /// <summary>Waiting for a worker (new, or re-queued after a failed attempt or an expired lease).</summary>
    Pending,

    /// <summary>Held by a worker under a lease; once the lease expires another worker may take it over.</summary>
    Leased,

    /// <summary>Finished successfully; the output is stored.</summary>
    Succeeded,

    /// <summary>Finished without success and has no attempts left.</summary>
    Failed,
}
