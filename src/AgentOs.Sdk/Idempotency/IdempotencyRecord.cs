namespace AgentOs.Sdk.Idempotency;

/// <summary>A snapshot of one idempotency key's row.</summary>
public sealed record IdempotencyRecord
{
    /// <summary>The key's stored value (64 hexadecimal characters).</summary>
    public required string Key { get; init; }

    /// <summary>The key's kind.</summary>
    public required string Kind { get; init; }

    /// <summary>
    /// The key's state as of the time it was read: a pending claim past its claim expiry is reported as
    /// <see cref="IdempotencyStatus.InDoubt"/> even before anyone marks it so.
    /// </summary>
    public required IdempotencyStatus Status { get; init; }

    /// <summary>Who holds the claim (pending, in doubt), or who recorded the outcome.</summary>
    public string? Owner { get; init; }

    /// <summary>When the current or last claim was made.</summary>
    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>Until when a pending claim is valid; afterwards the key is in doubt.</summary>
    public DateTimeOffset? ClaimExpiresAt { get; init; }

    /// <summary>How many times the key was claimed; a completion must name the current claim.</summary>
    public long ClaimEpoch { get; init; }

    /// <summary>What the operation is, for people reading the store.</summary>
    public string? Description { get; init; }

    /// <summary>The whole result, as recorded.</summary>
    public string? Result { get; init; }

    /// <summary>The exit code, for commands.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Why the operation failed.</summary>
    public string? Error { get; init; }

    /// <summary>How many replays were persisted (counts are written in batches; see <see cref="IdempotencyStore.FlushHitCounts"/>).</summary>
    public long HitCount { get; init; }

    /// <summary>When the key was first claimed.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the row last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the outcome was recorded.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When the recorded outcome stops being replayed; null never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
