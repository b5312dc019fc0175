namespace AgentOs.Sdk.Health;

/// <summary>The result of one start-up health check.</summary>
/// <param name="Name">The check's name, one of <see cref="HealthCheckNames"/>.</param>
/// <param name="Passed">Whether the check passed. A check that could not run (because one it depends on failed) did not pass.</param>
/// <param name="Message">What was found; for a failure, the path and the reason. A check that could not run says so and why.</param>
/// <param name="Duration">How long the check took.</param>
public sealed record HealthCheckResultEntry(string Name, bool Passed, string Message, TimeSpan Duration)
{
    /// <summary>Formats the entry as <c>name: PASS|FAIL message</c>.</summary>
    public override string ToString() => $"{Name}: {(Passed ? "PASS" : "FAIL")} {Message}";
}
