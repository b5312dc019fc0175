namespace AgentOs.Sdk.PostgreSql.Health;

/// <summary>The names of the start-up checks of a PostgreSQL store, as they appear in its report and JSON.</summary>
/// <remarks><c>schema_version</c> and <c>recovery_tables</c> mean the same as on SQLite and share its names.</remarks>
public static class PostgreSqlHealthCheckNames
{
    /// <summary>The server accepts a connection with the given credentials within the timeout.</summary>
    public const string ServerReachable = "server_reachable";

    /// <summary>The server runs PostgreSQL 13 or newer.</summary>
    public const string ServerVersion = "server_version";

    /// <summary>The newest applied schema version is at least the minimum (0.24) and not newer than this build knows.</summary>
    public const string SchemaVersion = AgentOs.Sdk.Health.HealthCheckNames.SchemaVersion;

    /// <summary>Every recovery table exists in the store's schema.</summary>
    public const string RecoveryTables = AgentOs.Sdk.Health.HealthCheckNames.RecoveryTables;

    /// <summary><c>synchronous_commit</c> is not <c>off</c> for the store's connections, so a commit is on disk when it returns.</summary>
    public const string SynchronousCommit = "synchronous_commit";

    /// <summary>The server runs with <c>fsync</c> on; with it off, a server crash can corrupt the whole cluster.</summary>
    public const string Fsync = "fsync";

    /// <summary>The role may insert, update and delete in every recovery table, and the server is not a read-only standby.</summary>
    public const string RoleCanWrite = "role_can_write";
}
