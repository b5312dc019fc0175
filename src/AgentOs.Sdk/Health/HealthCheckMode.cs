namespace AgentOs.Sdk.Health;

/// <summary>What <see cref="StartupHealthCheck.Run"/> does when a check fails.</summary>
public enum HealthCheckMode
{
    /// <summary>Refuse to start: throw <see cref="StartupHealthCheckException"/> listing every failed check. The default.</summary>
    Strict,

    /// <summary>Start with the recovery features off: the report's <see cref="StartupHealthReport.RecoveryEnabled"/> is false.</summary>
    Safe,

    /// <summary>
    /// Log each failure as a warning and go on with recovery enabled, as if every check had passed.
    /// For a developer's machine only: a store that fails its checks can lose checkpoints under load or power loss.
    /// </summary>
    Dev,
}
