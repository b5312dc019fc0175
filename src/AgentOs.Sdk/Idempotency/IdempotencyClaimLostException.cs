namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// An outcome could not be recorded because the claim it belongs to was taken over: it expired and another owner claimed
/// the key. Nothing was written; <see cref="UnrecordedOutcome"/> holds what the caller tried to record.
/// </summary>
public sealed class IdempotencyClaimLostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IdempotencyClaimLostException()
        : this("The idempotency claim was taken over by another owner.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public IdempotencyClaimLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public IdempotencyClaimLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a claim.</summary>
    public IdempotencyClaimLostException(string message, IdempotencyClaim claim, IdempotencyOutcome? unrecordedOutcome, IdempotencyRecord? current)
        : base(message)
    {
        Claim = claim;
        UnrecordedOutcome = unrecordedOutcome;
        Current = current;
    }

    /// <summary>The claim that was lost.</summary>
    public IdempotencyClaim? Claim { get; }

    /// <summary>The outcome that was not recorded.</summary>
    public IdempotencyOutcome? UnrecordedOutcome { get; }

    /// <summary>The key's row when the loss was found (its new owner and epoch), or null if it is gone.</summary>
    public IdempotencyRecord? Current { get; }
}
