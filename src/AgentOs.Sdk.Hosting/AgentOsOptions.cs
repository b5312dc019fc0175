using AgentOs.Sdk.Health;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// Settings for <c>services.AddAgentOs(...)</c>, set in code or bound from configuration (the <c>AgentOs</c> section by
/// convention). Validated when the host starts: every bad setting is reported at once, by name and value.
/// </summary>
public sealed class AgentOsOptions
{
    /// <summary>The configuration section <c>AddAgentOs(configuration)</c> reads by convention: <c>AgentOs</c>.</summary>
    public const string SectionName = "AgentOs";

    /// <summary>The SQLite database file of the store (created and migrated at start-up when missing). Required.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>How a commit is made durable. Default <see cref="SynchronousMode.Full"/>.</summary>
    public SynchronousMode Synchronous { get; set; } = SynchronousMode.Full;

    /// <summary>How long a statement waits for another connection's lock. Default 5 seconds, the floor unless <see cref="AllowShortBusyTimeout"/>.</summary>
    public TimeSpan BusyTimeout { get; set; } = StoreOptions.MinimumRecommendedBusyTimeout;

    /// <summary>Accept a <see cref="BusyTimeout"/> below 5 seconds (tests only: under contention it loses writes).</summary>
    public bool AllowShortBusyTimeout { get; set; }

    /// <summary>Directories whose interrupted atomic writes <c>AtomicFile.Recover</c> finishes or undoes at start-up, before the app serves.</summary>
    public IList<string> ArtifactDirectories { get; } = new List<string>();

    /// <summary>Whether start-up recovery also walks the sub-directories of <see cref="ArtifactDirectories"/>. Default false.</summary>
    public bool RecoverArtifactsRecursively { get; set; }

    /// <summary>
    /// What a failed start-up health check does: <see cref="HealthCheckMode.Strict"/> (default) stops the host,
    /// <see cref="HealthCheckMode.Safe"/> starts it with recovery off, <see cref="HealthCheckMode.Dev"/> warns and goes on.
    /// </summary>
    public HealthCheckMode HealthCheckMode { get; set; } = HealthCheckMode.Strict;

    /// <summary>Whether the recovery sweep runs in the background. Default true.</summary>
    public bool SweepEnabled { get; set; } = true;

    /// <summary>How often the recovery sweep runs. Default 30 seconds.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Up to how much later than <see cref="SweepInterval"/> each run starts, chosen at random per run, so that many
    /// hosts on one store do not sweep in step. Default 3 seconds; must be below the interval.
    /// </summary>
    public TimeSpan SweepJitter { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The longest wait after failed runs (the wait doubles from <see cref="SweepInterval"/> on each failure). Default 5 minutes.</summary>
    public TimeSpan SweepMaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many expired leases one sweep update handles. Default 1,000; between 1 and 10,000.</summary>
    public int SweepBatchSize { get; set; } = RecoverySweepOptions.DefaultBatchSize;

    /// <summary>
    /// The name this process records as lease holder and claim owner; unique among live workers.
    /// Default: the machine name and process id, such as <c>web-1:4242</c>.
    /// </summary>
    public string? WorkerId { get; set; }

    /// <summary>Lease heartbeat defaults for the registered <see cref="LeaseManager"/>.</summary>
    public LeaseOptions Leases { get; } = new();

    /// <summary>Claim, wait and time-to-live defaults for the registered <see cref="IdempotencyStore"/> (and so the LLM cache and tool ledger).</summary>
    public IdempotencyOptions Idempotency { get; } = new();

    /// <summary>Problems found while binding configuration (a value that does not parse), reported by validation.</summary>
    internal List<string> BindingErrors { get; } = [];

    /// <summary>The configuration path settings are named by in messages (<c>AgentOs</c> when bound from that section).</summary>
    internal string? SectionPath { get; set; }

    /// <summary>The worker id in force: <see cref="WorkerId"/>, or the machine name and process id.</summary>
    internal string EffectiveWorkerId =>
        string.IsNullOrWhiteSpace(WorkerId) ? $"{Environment.MachineName}:{Environment.ProcessId}" : WorkerId;

    internal StoreOptions ToStoreOptions(TimeProvider timeProvider) => new()
    {
        BusyTimeout = BusyTimeout,
        AllowShortBusyTimeout = AllowShortBusyTimeout,
        Synchronous = Synchronous,
        TimeProvider = timeProvider,
    };
}
