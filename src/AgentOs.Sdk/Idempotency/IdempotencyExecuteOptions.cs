namespace AgentOs.Sdk.Idempotency;

/// <summary>Per-call options for <see cref="IdempotencyStore.ExecuteAsync"/> and <see cref="IdempotencyStore.TryClaim"/>.</summary>
public sealed class IdempotencyExecuteOptions
{
    /// <summary>What the operation is, stored with the key for people reading the store.</summary>
    public string? Description { get; set; }

    /// <summary>How long the outcome is replayed; null uses <see cref="IdempotencyOptions.DefaultTimeToLive"/>; <see cref="Timeout.InfiniteTimeSpan"/> keeps it forever.</summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// Run the operation even if an outcome is recorded, and record the new one. A valid claim held by another owner is
    /// still waited for: that owner's fresh outcome is returned rather than running the operation twice at once.
    /// </summary>
    public bool ForceExecute { get; set; }

    /// <summary>
    /// Replay a recorded failure that carries a result or exit code (such as a command's non-zero exit) instead of running
    /// again. Off by default: a failure is retried, never served as if it were a success.
    /// </summary>
    public bool ReplayFailures { get; set; }
}
