namespace AgentOs.Sdk.Storage;

/// <summary>How hard SQLite works to make a commit survive power loss (<c>PRAGMA synchronous</c>) in WAL mode.</summary>
public enum SynchronousMode
{
    /// <summary>
    /// The WAL is fsynced at every commit: a committed checkpoint survives a crash of the process and a loss of power.
    /// The default.
    /// </summary>
    Full,

    /// <summary>
    /// The WAL is fsynced only at WAL checkpoints: a commit survives a crash of the process (<c>kill -9</c>),
    /// but the last commits before a loss of power or a kernel crash may be rolled back. Faster; never corrupts the database.
    /// </summary>
    Normal,
}
