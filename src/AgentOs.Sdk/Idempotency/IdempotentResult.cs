namespace AgentOs.Sdk.Idempotency;

/// <summary>What <see cref="IdempotencyStore.ExecuteAsync"/> returns: the outcome and where it came from.</summary>
public sealed record IdempotentResult
{
    /// <summary>The key the operation ran under.</summary>
    public required IdempotencyKey Key { get; init; }

    /// <summary>The outcome, whole.</summary>
    public required IdempotencyOutcome Outcome { get; init; }

    /// <summary>True when the outcome was recorded earlier (by this or another caller) and replayed; false when this call ran the operation.</summary>
    public required bool Replayed { get; init; }

    /// <summary>
    /// True when this call ran the operation after taking over a claim that expired without an outcome: an earlier
    /// attempt may also have run, and its effects may exist.
    /// </summary>
    public bool PreviousAttemptInDoubt { get; init; }
}
