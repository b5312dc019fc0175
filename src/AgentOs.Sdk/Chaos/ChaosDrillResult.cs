namespace AgentOs.Sdk.Chaos;

/// <summary>The outcome of one chaos drill: one row of the matrix that <c>agentos chaos</c> prints.</summary>
/// <param name="Number">The scenario number (1 to 8).</param>
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
    IReadOnlyDictionary<string, double> Metrics);
