namespace AgentOs.Sdk.Health;

/// <summary>The checks that run beside the five core ones (<c>db_exists</c>, <c>wal_mode</c>, <c>busy_timeout</c>, <c>schema_version</c>, <c>recovery_tables</c>), which always run.</summary>
[Flags]
public enum OptionalHealthChecks
{
    /// <summary>Only the five core checks.</summary>
    None = 0,

    /// <summary><c>application_id</c>: the file is an AgentOs store, not another application's database.</summary>
    ApplicationId = 1,

    /// <summary><c>sqlite_version</c>: the SQLite library in use is free of the WAL-reset corruption bug.</summary>
    SqliteVersion = 2,

    /// <summary>
    /// <c>quick_check</c>: <c>PRAGMA quick_check</c>, bounded by <see cref="StartupHealthCheckOptions.QuickCheckTimeout"/>.
    /// It reads every page, so it runs only at <see cref="HealthCheckDepth.Deep"/>.
    /// </summary>
    QuickCheck = 4,

    /// <summary><c>directory_writable</c>: the database's directory accepts new files.</summary>
    DirectoryWritable = 8,

    /// <summary>Every optional check. The default.</summary>
    All = ApplicationId | SqliteVersion | QuickCheck | DirectoryWritable,
}
