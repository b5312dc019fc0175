namespace AgentOs.Sdk.Health;

/// <summary>The totals of a <see cref="StartupHealthReport"/>, in the seed's shape (<c>summary</c> in the JSON).</summary>
public sealed class StartupHealthSummary
{
    internal StartupHealthSummary(IReadOnlyList<HealthCheckResultEntry> checks)
    {
        ChecksPassed = [.. checks.Where(c => c.Passed).Select(c => c.Name)];
        ChecksFailed = [.. checks.Where(c => !c.Passed).Select(c => c.Name)];
    }

    /// <summary>Whether every check passed.</summary>
    public bool AllPassed => ChecksFailed.Count == 0;

    /// <summary>How many checks passed.</summary>
    public int PassedCount => ChecksPassed.Count;

    /// <summary>How many checks failed, including those that could not run.</summary>
    public int FailedCount => ChecksFailed.Count;

    /// <summary>The names of the checks that passed, in report order.</summary>
    public IReadOnlyList<string> ChecksPassed { get; }

    /// <summary>The names of the checks that failed, in report order.</summary>
    public IReadOnlyList<string> ChecksFailed { get; }
}
