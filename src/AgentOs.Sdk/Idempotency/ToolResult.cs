namespace AgentOs.Sdk.Idempotency;

/// <summary>What a tool command produced: its exit code and its whole output.</summary>
/// <param name="ExitCode">The exit code; 0 means success.</param>
/// <param name="Stdout">Everything written to standard output.</param>
/// <param name="Stderr">Everything written to standard error.</param>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Whether the command succeeded (exit code 0).</summary>
    public bool Succeeded => ExitCode == 0;
}
