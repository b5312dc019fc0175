namespace AgentOs.Sdk.Storage.Sqlite;

/// <summary>How a read-only connection opens the database, chosen so that it never creates or writes a file.</summary>
internal enum SqliteReadAccess
{
    /// <summary>
    /// A WAL database with no <c>-wal</c> file: no connection has it open, and every committed page is in the main file.
    /// SQLite's <c>immutable</c> flag reads it without creating the <c>-wal</c> and <c>-shm</c> files that a plain read-only
    /// connection to a WAL database creates (and cannot delete again).
    /// </summary>
    Immutable,

    /// <summary>
    /// A database whose <c>-wal</c> file exists: it may be in use. <c>readonly_shm</c> reads the live WAL with the usual
    /// locks but opens the <c>-shm</c> file read-only, so the check never writes or creates it.
    /// </summary>
    SharedReadOnlyShm,

    /// <summary>A rollback-journal database: a read-only connection takes the usual shared lock and creates nothing.</summary>
    Locking,
}
