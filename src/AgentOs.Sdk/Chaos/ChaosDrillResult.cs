namespace AgentOs.Sdk.Chaos;

/// <summary>The outcome of one chaos drill: one row of the matrix that <c>agentos chaos</c> prints.</summary>
/// <param name="Number">The scenario number.</param>
/// <param name="Name">The scenario name, as the seed names its test classes (for example <c>Scenario2_ConcurrentCheckpoints</c>).</param>
/// <param name="Passed">Whether every assertion of the drill held.</param>
/// <param name="KeyFigure">The drill's headline figure, for example <c>100 checkpoints in 10 databases</c>.</param>
/// <param name="Duration">How long the drill took.</param>
/// <param name="Seed">The seed of the drill's random choices (kill points, payloads); rerun with it to replay them.</param>
/// <param name="Error">Why the drill failed, when it did.</param>
/// <param name="EvidencePath">The failure-evidence file written when the drill failed.</param>
/// <param name="Metrics">Named measurements (counts, rates, milliseconds).</param>
public sealed record ChaosDrillResult(
    int Number,
    string Name,
    bool Passed,
    string KeyFigure,
    TimeSpan Duration,
    int Seed,
    string? Error,
    string? EvidencePath,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Why the drill did not run (it cannot use the configured store), or null when it ran. A skipped drill has not passed.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Whether the drill was skipped; see <see cref="SkipReason"/>.</summary>
    public bool Skipped => SkipReason is not null;

    /// <summary>Where the drill's databases were, as reports may show them (file paths, or server databases without passwords).</summary>
    public IReadOnlyList<string> Stores { get; init; } = [];
}
