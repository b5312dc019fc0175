namespace AgentOs.Sdk.Idempotency;

/// <summary>The answer of <see cref="IdempotencyStore.TryClaim"/>: a claim to act on, an outcome to replay, or another owner to wait for.</summary>
public sealed record IdempotencyClaimResult
{
    /// <summary>What was found.</summary>
    public required IdempotencyClaimStatus Status { get; init; }

    /// <summary>The claim, when <see cref="Status"/> is <see cref="IdempotencyClaimStatus.Acquired"/>.</summary>
    public IdempotencyClaim? Claim { get; init; }

    /// <summary>
    /// The key's row: the outcome to replay (<see cref="IdempotencyClaimStatus.Completed"/>) or the other owner's pending
    /// claim with its expiry (<see cref="IdempotencyClaimStatus.HeldByOther"/>).
    /// </summary>
    public IdempotencyRecord? Record { get; init; }
}
