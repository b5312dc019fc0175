namespace AgentOs.Sdk.Tests.Shared;

/// <summary>How a child process ended: its exit code and what it wrote.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Stdout">Standard output.</param>
/// <param name="Stderr">Standard error.</param>
internal sealed record ChildProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Standard output and error together, in the order the lines arrived (for failure messages).</summary>
    public string Output { get; init; } = "";

    /// <summary>How long the child ran.</summary>
    public TimeSpan Elapsed { get; init; }
}
