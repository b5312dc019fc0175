using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>The PostgreSQL scripts embedded in this assembly: the same versions as the SQLite ones, each with its own checksum.</summary>
internal static class PostgreSqlMigrations
{
    private const string ResourcePrefix = "AgentOs.Sdk.PostgreSql.Migrations.";

    /// <summary>Every PostgreSQL migration, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } = Migration.LoadEmbedded(typeof(PostgreSqlMigrations).Assembly, ResourcePrefix);

    /// <summary>The newest version the PostgreSQL scripts reach.</summary>
    public static SchemaVersion CurrentVersion => All[^1].Version;
}
