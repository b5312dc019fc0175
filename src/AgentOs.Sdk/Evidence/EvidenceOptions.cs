namespace AgentOs.Sdk.Evidence;

/// <summary>Replaces a text value read from the database before it goes into an evidence file (prompts and snapshots can hold secrets).</summary>
/// <param name="table">The table the value comes from.</param>
/// <param name="column">The column the value comes from.</param>
/// <param name="value">The value as read.</param>
/// <returns>The value to write instead; <see langword="null"/> writes JSON null.</returns>
public delegate string? EvidenceRedactor(string table, string column, string value);

/// <summary>Options for <see cref="FailureEvidence"/>.</summary>
public sealed class EvidenceOptions
{
    /// <summary>The default folder of evidence files, relative to the current directory.</summary>
    public const string DefaultOutputDirectory = "store/artifacts/chaos-failures";

    /// <summary>Where evidence files go. Default <c>store/artifacts/chaos-failures</c> under the current directory.</summary>
    public string OutputDirectory { get; set; } = DefaultOutputDirectory;

    /// <summary>How many of the most recent checkpoints, audits and work items each database contributes. Default 50.</summary>
    public int RecentRowLimit { get; set; } = 50;

    /// <summary>How many audits and checkpoints of the given task's history are kept, newest first. Default 500.</summary>
    public int TaskHistoryLimit { get; set; } = 500;

    /// <summary>Text values longer than this are cut and marked as cut, so that the file stays bounded. Default 2,000 characters.</summary>
    public int MaxValueLength { get; set; } = 2_000;

    /// <summary>How many databases <c>FailureEvidence.CollectMultiDatabase</c> describes in detail; the rest are listed by path. Default 64.</summary>
    public int MaxDatabases { get; set; } = 64;

    /// <summary>How long to wait for a database that another process has locked before reporting it as locked. Default 1 second.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Columns whose values are always replaced by <c>[redacted]</c>, for example <c>snapshot</c> or <c>payload</c>. Empty by default.</summary>
    public ISet<string> RedactedColumns { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A hook that sees every text value read from a database and may replace it.</summary>
    public EvidenceRedactor? Redact { get; set; }

    /// <summary>The clock that stamps the file name and <c>collected_at</c>. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputDirectory);
        ArgumentOutOfRangeException.ThrowIfNegative(RecentRowLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(TaskHistoryLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxValueLength, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatabases, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(LockTimeout.Ticks, nameof(LockTimeout));
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
