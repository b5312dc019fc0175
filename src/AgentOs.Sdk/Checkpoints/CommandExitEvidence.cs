using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Evidence that a command finished with the exit code the step needed. It records the exit code that was observed;
/// verification compares it with <see cref="ExpectedExitCode"/>, so a command killed by SIGKILL (137) never passes
/// as a success (the peer accepted any exit code).
/// </summary>
public sealed record CommandExitEvidence : Evidence
{
    /// <summary>Creates the evidence.</summary>
    /// <param name="command">The command line that ran (for the record and for error messages).</param>
    /// <param name="exitCode">The exit code the command returned.</param>
    /// <param name="expectedExitCode">The exit code that counts as success; 0 unless the command uses another convention.</param>
    /// <exception cref="ArgumentException"><paramref name="command"/> is empty.</exception>
    public CommandExitEvidence(string command, int exitCode, int expectedExitCode = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        Command = command;
        ExitCode = exitCode;
        ExpectedExitCode = expectedExitCode;
    }

    /// <summary>The command line that ran.</summary>
    public string Command { get; }

    /// <summary>The exit code it returned.</summary>
    public int ExitCode { get; }

    /// <summary>The exit code that counts as success.</summary>
    public int ExpectedExitCode { get; }

    /// <inheritdoc />
    [JsonIgnore]
    public override EvidenceType Type => EvidenceType.CommandExit;

    /// <inheritdoc />
    public override string Describe() => $"command_exit '{Command}'";
}
