namespace AgentOs.Sdk.Idempotency;

/// <summary>What <see cref="IdempotencyStore.TryClaim"/> found.</summary>
public enum IdempotencyClaimStatus
{
    /// <summary>The caller holds the claim and must run the operation, then record its outcome.</summary>
    Acquired,

    /// <summary>An outcome is recorded and still valid: replay it instead of running the operation.</summary>
    Completed,

    /// <summary>Another owner holds a valid claim and is running the operation: wait for its outcome.</summary>
    HeldByOther,
}
