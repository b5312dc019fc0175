namespace AgentOs.Sdk.Chaos;

/// <summary>A progress line from a running drill.</summary>
/// <param name="Number">The scenario number.</param>
/// <param name="Name">The scenario name.</param>
/// <param name="Message">What the drill is doing.</param>
public readonly record struct ChaosProgress(int Number, string Name, string Message);
