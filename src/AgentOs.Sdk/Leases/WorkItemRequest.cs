namespace AgentOs.Sdk.Leases;

/// <summary>A work item to enqueue with <see cref="WorkQueue.Enqueue(WorkItemRequest)"/>.</summary>
/// <param name="Kind">What kind of work this is; workers ask for the next item of a kind.</param>
/// <param name="Payload">The input as JSON text, or null. Checked to be valid JSON before anything is written.</param>
public sealed record WorkItemRequest(string Kind, string? Payload = null)
{
    /// <summary>The default for <see cref="MaxAttempts"/>.</summary>
    public const int DefaultMaxAttempts = 3;

    /// <summary>The item's id; null gives a new time-ordered GUID.</summary>
    public string? Id { get; init; }

    /// <summary>The task the work belongs to (a row of <c>tasks</c>), or null.</summary>
    public string? TaskId { get; init; }

    /// <summary>How many lease acquisitions the item allows before it fails. At least 1; default 3.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;
}
