namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>The PostgreSQL server the tests use: the admin connection string in <c>AGENTOS_TEST_POSTGRES</c>.</summary>
public static class PostgreSqlTestServer
{
    /// <summary>The variable that names the server.</summary>
    public const string Variable = "AGENTOS_TEST_POSTGRES";

    /// <summary>The admin connection string, or null when no server is configured.</summary>
    public static string? ConnectionString { get; } = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;
}

/// <summary>A fact that needs a real PostgreSQL server; skipped with the reason when none is configured.</summary>
public sealed class PostgreSqlFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public PostgreSqlFactAttribute()
    {
        if (PostgreSqlTestServer.ConnectionString is null)
        {
            Skip = $"No PostgreSQL server: set {PostgreSqlTestServer.Variable} to an admin connection string.";
        }
    }
}
