using AgentOs.Sdk.Health;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Recovery;

namespace AgentOs.Sdk.Hosting;

/// <summary>The host's <see cref="IAgentOsRecoveryState"/>, written by the start-up and sweep services.</summary>
internal sealed class AgentOsRecoveryState : IAgentOsRecoveryState
{
    private volatile StartupHealthReport? _report;
    private volatile bool _recoveryEnabled;
    private volatile bool _started;
    private volatile IReadOnlyList<AtomicRecoveryResult> _artifacts = [];
    private volatile RecoveryStats? _lastSweep;
    private long _sweepRuns;

    public bool StartupCompleted => _started;

    public bool RecoveryEnabled => _recoveryEnabled;

    public StartupHealthReport? HealthReport => _report;

    public IReadOnlyList<AtomicRecoveryResult> ArtifactRecovery => _artifacts;

    public RecoveryStats? LastSweep => _lastSweep;

    public long SweepRuns => Interlocked.Read(ref _sweepRuns);

    /// <summary>Raised after each sweep run (tests wait on it instead of sleeping).</summary>
    internal event Action<RecoveryStats?>? SweepCompleted;

    internal void Started(StartupHealthReport report, bool recoveryEnabled, IReadOnlyList<AtomicRecoveryResult> artifacts)
    {
        _report = report;
        _recoveryEnabled = recoveryEnabled;
        _artifacts = artifacts;
        _started = true;
    }

    internal void Swept(RecoveryStats? stats)
    {
        if (stats is not null)
        {
            _lastSweep = stats;
        }

        Interlocked.Increment(ref _sweepRuns);
        SweepCompleted?.Invoke(stats);
    }
}
