using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Chaos;

/// <summary>Options for running chaos drills.</summary>
public sealed class ChaosDrillOptions
{
    /// <summary>The folder under which each drill gets a fresh folder of its own. Default <c>store/chaos</c> under the current directory.</summary>
    public string WorkDirectory { get; set; } = Path.Combine("store", "chaos");

    /// <summary>The seed of the random choices (kill points, payloads). Default: a new random seed, reported in every result.</summary>
    public int? Seed { get; set; }

    /// <summary>The store settings the drills' databases are opened with: run the drills with your own configuration.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>
    /// Where the drills' databases live: <see cref="ChaosStoreProvider.Sqlite"/> (files in each drill's folder, the default),
    /// or a server that several hosts share, such as <c>PostgreSqlChaosStoreProvider</c>. Each drill gets clean databases.
    /// </summary>
    public ChaosStoreProvider StoreProvider { get; set; } = ChaosStoreProvider.Sqlite;

    /// <summary>
    /// The program that hosts worker processes (its <c>Main</c> starts with <c>WorkerHost.TryRun</c>).
    /// Default: the current application, as <c>WorkerPool</c> does.
    /// </summary>
    public string? WorkerHostPath { get; set; }

    /// <summary>Whether a failed drill dumps failure evidence of its databases. Default true.</summary>
    public bool DumpEvidenceOnFailure { get; set; } = true;

    /// <summary>Where failure evidence goes. Default <c>store/artifacts/chaos-failures</c>.</summary>
    public string EvidenceDirectory { get; set; } = Evidence.EvidenceOptions.DefaultOutputDirectory;

    /// <summary>Whether each drill's folder is deleted after it passes. Default true; a failed drill's folder is always kept.</summary>
    public bool DeletePassedDrillDirectories { get; set; } = true;

    /// <summary>Receives progress lines while drills run.</summary>
    public IProgress<ChaosProgress>? Progress { get; set; }
}
