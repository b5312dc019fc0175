namespace AgentOs.Cli.Durability;

/// <summary>
/// One operation the explorer records and crashes: how to prepare its directory, what the child process runs, and
/// what content the target may hold afterwards.
/// </summary>
/// <param name="Name">The name used on the command line and in reports.</param>
/// <param name="Description">What the operation is, in a few words.</param>
/// <param name="Target">The file name the operation writes or recovers.</param>
/// <param name="Old">The target's content before the operation; null when it did not exist.</param>
/// <param name="New">The target's content once the operation returned.</param>
/// <param name="ExpectViolations">True for the deliberately broken writers that show the explorer can fail.</param>
internal sealed record CrashScenario(string Name, string Description, string Target, byte[]? Old, byte[] New, bool ExpectViolations)
{
    /// <summary>Further files the operation writes (a batch), checked like <see cref="Target"/>; empty for one file.</summary>
    public IReadOnlyList<ScenarioFile> OtherFiles { get; init; } = [];

    /// <summary>
    /// For a batch: the claim that under ext4 <c>data=ordered</c> the files holding new content after a crash are
    /// always a prefix of <see cref="Files"/> (the order the batch added them).
    /// </summary>
    public bool NewFilesArePrefixUnderExt4 { get; init; }

    /// <summary>Every file the operation writes: <see cref="Target"/> first, then <see cref="OtherFiles"/>.</summary>
    public IReadOnlyList<ScenarioFile> Files => [new ScenarioFile(Target, Old, New), .. OtherFiles];

    /// <summary>Puts the state before the operation into <paramref name="directory"/> (run in the explorer's process).</summary>
    public required Action<string> Setup { get; init; }

    /// <summary>Runs the operation on <paramref name="directory"/> (run in the recorded child process).</summary>
    public required Action<string> Run { get; init; }
}

/// <summary>One file of a scenario: its name, its content before (null when it did not exist) and after.</summary>
internal sealed record ScenarioFile(string Name, byte[]? Old, byte[] New);
