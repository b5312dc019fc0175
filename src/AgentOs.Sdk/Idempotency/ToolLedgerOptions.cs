namespace AgentOs.Sdk.Idempotency;

/// <summary>Per-call options for <see cref="ToolLedger.ExecuteOrReplayAsync"/>.</summary>
public sealed class ToolLedgerOptions
{
    /// <summary>
    /// Replay a recorded non-zero exit instead of running the command again. Off by default: a failed command is recorded
    /// as failed and run again by the next caller, never replayed as if it had succeeded.
    /// </summary>
    public bool CacheFailures { get; set; }

    /// <summary>Run the command even if a result is recorded, and record the new result.</summary>
    public bool ForceExecute { get; set; }

    /// <summary>How long the result is replayed; null uses <see cref="IdempotencyOptions.DefaultTimeToLive"/>; <see cref="Timeout.InfiniteTimeSpan"/> keeps it forever.</summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// Anything else the result depends on, such as the working directory or the task: part of the key, so the same
    /// command in another scope runs on its own. Null for none.
    /// </summary>
    public string? Scope { get; set; }
}
