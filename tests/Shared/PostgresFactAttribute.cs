namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// A fact that needs a PostgreSQL server (see <see cref="PostgresServer"/>): skipped with a one-line reason when there is none,
/// unless <c>AGENTOS_REQUIRE_POSTGRES=1</c>, where it runs and fails. Mark such tests <c>[Trait("Provider", "PostgreSql")]</c>
/// too: CI counts them and fails when none ran.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresServer.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
