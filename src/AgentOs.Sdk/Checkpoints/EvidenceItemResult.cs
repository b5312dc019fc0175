namespace AgentOs.Sdk.Checkpoints;

/// <summary>The outcome of checking one <see cref="Checkpoints.Evidence"/> item.</summary>
/// <param name="Evidence">The item that was checked.</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Error">Why it did not hold; null when it passed.</param>
public sealed record EvidenceItemResult(Evidence Evidence, bool Passed, string? Error)
{
    /// <summary>The item held.</summary>
    public static EvidenceItemResult Pass(Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return new(evidence, true, null);
    }

    /// <summary>The item did not hold, for the reason given.</summary>
    public static EvidenceItemResult Fail(Evidence evidence, string error)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new(evidence, false, error);
    }
}
