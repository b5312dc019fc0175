namespace AgentOs.Sdk.Idempotency;

/// <summary>The outcome of an operation run under an idempotency key: what is recorded and replayed.</summary>
/// <param name="Succeeded">Whether the operation succeeded. Failures are recorded as failed, never as success.</param>
/// <param name="Result">The whole result (never truncated), or null.</param>
/// <param name="ExitCode">The exit code of a command, or null.</param>
/// <param name="Error">Why the operation failed, or null.</param>
public sealed record IdempotencyOutcome(bool Succeeded, string? Result, int? ExitCode = null, string? Error = null)
{
    /// <summary>A successful outcome.</summary>
    public static IdempotencyOutcome Success(string? result, int? exitCode = null) => new(true, result, exitCode);

    /// <summary>A failed outcome; with a result or an exit code it can be replayed to callers that ask for failures.</summary>
    public static IdempotencyOutcome Failure(string error, string? result = null, int? exitCode = null) => new(false, result, exitCode, error);
}
