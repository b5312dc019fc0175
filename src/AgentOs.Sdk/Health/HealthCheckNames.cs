namespace AgentOs.Sdk.Health;

/// <summary>The names of the start-up health checks, as they appear in <see cref="StartupHealthReport"/> and its JSON.</summary>
public static class HealthCheckNames
{
    /// <summary>The database path names a readable SQLite database file (not a directory, not empty).</summary>
    public const string DbExists = "db_exists";

    /// <summary>The database is in WAL mode, so readers and one writer never block each other.</summary>
    public const string WalMode = "wal_mode";

    /// <summary>A connection configured the way <see cref="Storage.AgentOsStore"/> configures its connections waits at least the minimum busy timeout.</summary>
    public const string BusyTimeout = "busy_timeout";

    /// <summary>The newest applied schema version, compared by number, is at least the minimum (0.24) and not newer than this build knows.</summary>
    public const string SchemaVersion = "schema_version";

    /// <summary>Every table in <see cref="Storage.StoreSchema.RecoveryTables"/> exists.</summary>
    public const string RecoveryTables = "recovery_tables";

    /// <summary>The database's <c>application_id</c> marks it as an AgentOs store.</summary>
    public const string ApplicationId = "application_id";

    /// <summary>The SQLite library in use is free of the WAL-reset corruption bug (versions 3.7.0 through 3.51.2).</summary>
    public const string SqliteVersion = "sqlite_version";

    /// <summary><c>PRAGMA quick_check</c> finds no corruption, within its time bound.</summary>
    public const string QuickCheck = "quick_check";

    /// <summary>The database's directory accepts new files, as WAL needs for its <c>-wal</c> and <c>-shm</c> files.</summary>
    public const string DirectoryWritable = "directory_writable";
}
