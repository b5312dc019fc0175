namespace AgentOs.Sdk.Checkpoints;

/// <summary>Options for <see cref="CheckpointManager"/>.</summary>
public sealed class CheckpointManagerOptions
{
    /// <summary>The clock for created and verified times. Default: the store's <see cref="Storage.StoreOptions.TimeProvider"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// The folder that relative artifact paths in evidence are resolved against. Default: the folder of the database file
    /// of a SQLite store, so that a resumed process checks the same files whatever its current directory; for a server store
    /// (PostgreSQL), which has no folder, the working directory when the manager is created: set it explicitly there.
    /// </summary>
    public string? BaseDirectory { get; set; }

    /// <summary>
    /// Whether <see cref="CheckpointManager.CreateCheckpoint(string, string, System.Text.Json.JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/>
    /// also appends a <c>checkpoint_created</c> audit. Default false: a checkpoint created in one call is its own record
    /// (its row holds its id, number, time, status and error, written in one transaction), and the extra row and index
    /// entry cost about a third more per checkpoint with <c>synchronous=NORMAL</c>. Steps, verifications, rollbacks,
    /// abandons and prunes are always audited, because they change rows that already exist.
    /// </summary>
    public bool AuditCheckpointCreation { get; set; }

    /// <summary>Verifiers for <see cref="CustomEvidence"/>, one per <see cref="IEvidenceVerifier.Kind"/>.</summary>
    public IList<IEvidenceVerifier> EvidenceVerifiers { get; } = new List<IEvidenceVerifier>();

    /// <summary>
    /// How many times a write transaction is retried from the start when the database still reports it busy or locked
    /// after its own waiting (SQLite: the busy timeout, then the driver's retries), or when it lost a race (PostgreSQL: a
    /// serialization failure or deadlock; either: a duplicate sequence number). Default 5; 0 disables retries. The back-offs
    /// of one call together never exceed the store's busy timeout.
    /// </summary>
    public int MaxBusyRetries { get; set; } = 5;

    /// <summary>The first back-off before such a retry; it doubles on each retry (with jitter), up to 2 seconds. Default 50 ms.</summary>
    public TimeSpan BusyRetryDelay { get; set; } = TimeSpan.FromMilliseconds(50);
}
