namespace AgentOs.Sdk.Leases;

/// <summary>
/// A worker's lease on a work item, as granted by <see cref="LeaseManager"/>. <see cref="Epoch"/> is the fencing token:
/// it grows on every acquisition of the item, so a write guarded by it is refused once anyone else has acquired the item.
/// </summary>
/// <remarks>
/// A lease is a receipt, not a right: the database is the authority. Every operation that needs the lease re-checks the
/// holder, the epoch and the expiry in the same statement or transaction that acts on it.
/// </remarks>
public sealed record Lease
{
    /// <summary>The leased work item.</summary>
    public required string WorkItemId { get; init; }

    /// <summary>The worker that holds the lease.</summary>
    public required string Holder { get; init; }

    /// <summary>The fencing token: the item's lease epoch at this acquisition.</summary>
    public required long Epoch { get; init; }

    /// <summary>When the lease was acquired.</summary>
    public required DateTimeOffset AcquiredAt { get; init; }

    /// <summary>When the lease expires unless renewed; from then on any worker may take the item over.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The duration asked for at acquisition; heartbeats renew for this long by default.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Which attempt this is (1 for the first acquisition of the item).</summary>
    public int Attempt { get; init; }

    /// <summary>How many attempts the item allows.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>The item's kind.</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>The task the item belongs to, if any.</summary>
    public string? TaskId { get; init; }

    /// <summary>The item's input as JSON text, if any.</summary>
    public string? Payload { get; init; }
}
