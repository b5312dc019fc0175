namespace AgentOs.Cli.Durability;

/// <summary>
/// Which of a crashed operation's system calls may have reached the disk. Both models take the operation's completed
/// calls in order, cut them at a crash point, and decide which calls before the cut persisted.
/// </summary>
internal enum PersistenceModel
{
    /// <summary>
    /// Pessimistic POSIX: a file's data (writes, truncation) is durable only once an fsync of that file completed, and a
    /// directory entry (create, rename, unlink) only once an fsync of the directory completed. Anything not yet durable
    /// may be lost: the pending directory entries in any subset (two renames may persist out of order), each file's
    /// pending data as an in-order prefix whose last write may be torn at a 4 KiB block or read back as zeros.
    /// </summary>
    Posix,

    /// <summary>
    /// ext4 with <c>data=ordered</c>, as ALICE (Pillai et al., OSDI 2014) describes it: metadata operations (create,
    /// rename, unlink, truncate) are journaled, so they persist atomically and in program order, and any fsync commits
    /// all earlier ones; file data is not ordered with them (delayed allocation) and a multi-block write may be torn at a
    /// block, but never shows garbage; and a rename that replaces a file persists only after the data written to the
    /// renamed file before it (the replace-by-rename heuristic, auto_da_alloc).
    /// </summary>
    Ext4Ordered,
}
