namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// A claim on an idempotency key: its holder is the one caller that runs the operation, and must record the outcome with
/// <see cref="IdempotencyStore.Complete"/> before <see cref="ExpiresAt"/>, or the key becomes in doubt.
/// </summary>
public sealed record IdempotencyClaim
{
    /// <summary>The claimed key.</summary>
    public required IdempotencyKey Key { get; init; }

    /// <summary>The owner that holds the claim.</summary>
    public required string Owner { get; init; }

    /// <summary>The claim's epoch: the completion is accepted only while the key is still at this epoch.</summary>
    public required long Epoch { get; init; }

    /// <summary>When the claim was made.</summary>
    public required DateTimeOffset ClaimedAt { get; init; }

    /// <summary>When the claim expires; other callers then treat the key as in doubt and may take it over.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// True when this claim took over a key whose previous claim expired without an outcome: the previous attempt may or
    /// may not have run, and the caller should be ready for its effects.
    /// </summary>
    public bool PreviousAttemptInDoubt { get; init; }

    /// <summary>The owner of the previous claim, when <see cref="PreviousAttemptInDoubt"/> is true.</summary>
    public string? PreviousOwner { get; init; }
}
