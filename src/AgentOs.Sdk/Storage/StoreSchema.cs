namespace AgentOs.Sdk.Storage;

/// <summary>What an AgentOs store's schema looks like: the facts the store, the health check and the evidence dumps share.</summary>
public static class StoreSchema
{
    /// <summary>
    /// The SQLite <c>application_id</c> of every AgentOs store (the ASCII bytes "AgOS"),
    /// so that a valid SQLite database of another application is told apart from ours.
    /// </summary>
    public const int ApplicationId = 0x41674F53;

    /// <summary>The version from which every recovery table exists.</summary>
    public static SchemaVersion RecoveryTablesVersion { get; } = new(0, 24);

    /// <summary>The newest version this build knows; <see cref="AgentOsStore.Open(StoreOptions)"/> migrates to it.</summary>
    public static SchemaVersion CurrentVersion => Migration.All[^1].Version;

    /// <summary>The tables the recovery system needs, in creation order.</summary>
    public static IReadOnlyList<string> RecoveryTables { get; } =
        ["tasks", "task_audits", "work_items", "checkpoints", "idempotency_keys", "schema_version"];
}
