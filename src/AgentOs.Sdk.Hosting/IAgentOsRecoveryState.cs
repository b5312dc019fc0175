using AgentOs.Sdk.Health;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Recovery;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// What the host's start-up found and decided: the health report, whether recovery is on, what <c>AtomicFile.Recover</c>
/// did, and the latest recovery sweep. Inject it to gate recovery features (for example to refuse to resume work when
/// <see cref="RecoveryEnabled"/> is false in <see cref="HealthCheckMode.Safe"/> mode).
/// </summary>
public interface IAgentOsRecoveryState
{
    /// <summary>Whether the start-up check and recovery have run (false until the host has started).</summary>
    bool StartupCompleted { get; }

    /// <summary>
    /// Whether recovery features are on: true when every health check passed, or in <see cref="HealthCheckMode.Dev"/> mode;
    /// false in <see cref="HealthCheckMode.Safe"/> mode when a check failed (then neither artifact recovery nor the sweep runs).
    /// </summary>
    bool RecoveryEnabled { get; }

    /// <summary>The start-up health report, or null before start-up.</summary>
    StartupHealthReport? HealthReport { get; }

    /// <summary>What start-up recovery did in each configured artifact directory that exists.</summary>
    IReadOnlyList<AtomicRecoveryResult> ArtifactRecovery { get; }

    /// <summary>The result of the latest recovery sweep run, or null before the first.</summary>
    RecoveryStats? LastSweep { get; }

    /// <summary>How many sweep runs have finished (successful or not).</summary>
    long SweepRuns { get; }
}
