namespace AgentOs.Sdk.AgentFramework.Chaos;

/// <summary>Settings of <see cref="AgentFrameworkResumeDrill"/>.</summary>
public sealed class AgentFrameworkResumeDrillOptions
{
    /// <summary>How many SIGKILLs the drill lands in running workflows. Default 50.</summary>
    public int Kills { get; set; } = 50;

    /// <summary>How many worker processes run (and are killed) side by side, each on its own session of one database. Default 2.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>Rounds of the three-executor loop per workflow run (three checkpoints each). Default 3.</summary>
    public int Rounds { get; set; } = 3;

    /// <summary>
    /// Run the same kill loop against the framework's <c>FileSystemJsonCheckpointStore</c> instead (a report, not a check):
    /// the drill then counts the rounds in which that store could not be opened or handed back an unreadable checkpoint.
    /// </summary>
    public bool UseFileSystemStore { get; set; }
}
