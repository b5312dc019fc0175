namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// The PostgreSQL server the tests use: the shared test server (<see cref="PostgresServer"/>: <c>AGENTOS_TEST_POSTGRES</c>,
/// else a throwaway cluster of the installed server, started once per test assembly).
/// </summary>
public static class PostgreSqlTestServer
{
    /// <summary>The variable that names an existing server.</summary>
    public const string Variable = PostgresServer.ConnectionStringVariable;

    /// <summary>The admin connection string, or null when there is no server and none is required (the tests skip).</summary>
    public static string? ConnectionString =>
        PostgresServer.SkipReason is null ? PostgresServer.GetSharedAsync().GetAwaiter().GetResult().ConnectionString : null;
}

/// <summary>A fact that needs a real PostgreSQL server; skipped with the reason when there is none (failed when CI requires one).</summary>
public sealed class PostgreSqlFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public PostgreSqlFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
