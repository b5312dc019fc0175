namespace AgentOs.Sdk.Leases;

/// <summary>A snapshot of one row of the <c>work_items</c> table.</summary>
public sealed record WorkItem
{
    /// <summary>The work item's id.</summary>
    public required string Id { get; init; }

    /// <summary>The task the work belongs to, if any.</summary>
    public string? TaskId { get; init; }

    /// <summary>What kind of work this is; workers ask for the next item of a kind.</summary>
    public required string Kind { get; init; }

    /// <summary>Where the item is in its life.</summary>
    public required WorkItemStatus Status { get; init; }

    /// <summary>The input, as JSON text.</summary>
    public string? Payload { get; init; }

    /// <summary>The output recorded by the worker that released the item.</summary>
    public string? Output { get; init; }

    /// <summary>The error of the last failed attempt, or why the item failed.</summary>
    public string? Error { get; init; }

    /// <summary>The worker that holds the lease while the item is <see cref="WorkItemStatus.Leased"/>.</summary>
    public string? LeaseHolder { get; init; }

    /// <summary>The fencing token of the newest lease: it grows by one on every acquisition.</summary>
    public long LeaseEpoch { get; init; }

    /// <summary>When the newest lease was acquired.</summary>
    public DateTimeOffset? LeaseAcquiredAt { get; init; }

    /// <summary>When the current lease expires (while leased).</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>When the current lease was last renewed (while leased).</summary>
    public DateTimeOffset? HeartbeatAt { get; init; }

    /// <summary>How many times a lease on the item was acquired.</summary>
    public int Attempts { get; init; }

    /// <summary>How many acquisitions the item allows before it fails.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>When the item was enqueued.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the row last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the item succeeded or failed for good.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
}
