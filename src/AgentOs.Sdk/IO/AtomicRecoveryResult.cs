namespace AgentOs.Sdk.IO;

/// <summary>What <see cref="AtomicFile.Recover(string)"/> found and did.</summary>
public sealed class AtomicRecoveryResult
{
    internal AtomicRecoveryResult(
        string directory,
        IReadOnlyList<string> completed,
        IReadOnlyList<string> rolledBack,
        IReadOnlyList<string> deleted,
        IReadOnlyList<string> inUse)
    {
        Directory = directory;
        Completed = completed;
        RolledBack = rolledBack;
        Deleted = deleted;
        InUse = inUse;
    }

    /// <summary>Gets the full path of the directory recovered.</summary>
    public string Directory { get; }

    /// <summary>
    /// Gets the files whose interrupted write Recover finished (rolled forward): the new content was already in place,
    /// or fully written and described by the marker, and only a rename was missing.
    /// </summary>
    public IReadOnlyList<string> Completed { get; }

    /// <summary>Gets the files whose interrupted write Recover undid (rolled back): the old content and marker stay.</summary>
    public IReadOnlyList<string> RolledBack { get; }

    /// <summary>Gets the temp files Recover deleted.</summary>
    public IReadOnlyList<string> Deleted { get; }

    /// <summary>Gets the temp files left alone because a writer that is still running holds them.</summary>
    public IReadOnlyList<string> InUse { get; }

    /// <summary>Gets whether Recover changed anything on disk.</summary>
    public bool ChangedAnything => Completed.Count > 0 || Deleted.Count > 0;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Directory}: {Completed.Count} completed, {RolledBack.Count} rolled back, {Deleted.Count} temp files deleted, {InUse.Count} in use";
}
