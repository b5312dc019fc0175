namespace AgentOs.Sdk.Recovery;

/// <summary>What one run of <see cref="RecoverySweep.ScanAndRecover"/> found and did.</summary>
public sealed record RecoveryStats
{
    /// <summary>Leases the scan found expired.</summary>
    public int ExpiredFound { get; init; }

    /// <summary>Items re-queued as pending, to be leased again.</summary>
    public int Recovered { get; init; }

    /// <summary>Items marked failed because their expired lease was their last attempt.</summary>
    public int FailedAfterMaxAttempts { get; init; }

    /// <summary>
    /// Items found expired but left alone because, between the scan and the update, their lease was renewed or taken
    /// over (the conditional update re-checks status, expiry and epoch).
    /// </summary>
    public int LeftAlone { get; init; }

    /// <summary>Batches whose update failed (for example the database stayed locked past the busy timeout); see <see cref="ErrorMessages"/>.</summary>
    public int Errors { get; init; }

    /// <summary>One message per error, naming the batch and the cause.</summary>
    public IReadOnlyList<string> ErrorMessages { get; init; } = [];

    /// <summary>How many batches were updated.</summary>
    public int Batches { get; init; }

    /// <summary>How long the run took, by the sweep's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Duration { get; init; }
}
