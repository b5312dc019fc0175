namespace AgentOs.Sdk.Idempotency;

/// <summary>The state of an idempotency key.</summary>
public enum IdempotencyStatus
{
    /// <summary>An owner has claimed the key and is running the operation; others wait for its result.</summary>
    Pending,

    /// <summary>The operation succeeded; its result is replayed until it expires.</summary>
    Succeeded,

    /// <summary>
    /// The operation failed. The next caller runs it again, unless it asks to replay failures and the failure carries a
    /// result (for example a command's non-zero exit code and output).
    /// </summary>
    Failed,

    /// <summary>
    /// The owner's claim expired before it recorded an outcome (it crashed or hung): whether the operation ran is unknown.
    /// The next caller may take the key over, and is told that the previous attempt is in doubt.
    /// </summary>
    InDoubt,
}
