namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// The operation ran (its effect happened) but its outcome could not be recorded, even after retrying within the store's
/// busy budget: the key stays claimed until its claim expires and is then in doubt, so the next caller is told
/// (<see cref="IdempotentResult.PreviousAttemptInDoubt"/>). <see cref="UnrecordedOutcome"/> holds what was not recorded.
/// </summary>
public sealed class IdempotencyOutcomeNotRecordedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IdempotencyOutcomeNotRecordedException()
        : this("The operation ran but its outcome was not recorded; the idempotency key is in doubt.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public IdempotencyOutcomeNotRecordedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public IdempotencyOutcomeNotRecordedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a claim whose outcome was not recorded.</summary>
    public IdempotencyOutcomeNotRecordedException(string message, IdempotencyClaim claim, IdempotencyOutcome unrecordedOutcome, Exception innerException)
        : base(message, innerException)
    {
        Claim = claim;
        UnrecordedOutcome = unrecordedOutcome;
    }

    /// <summary>The claim whose outcome was not recorded.</summary>
    public IdempotencyClaim? Claim { get; }

    /// <summary>The outcome of the operation that ran.</summary>
    public IdempotencyOutcome? UnrecordedOutcome { get; }
}
