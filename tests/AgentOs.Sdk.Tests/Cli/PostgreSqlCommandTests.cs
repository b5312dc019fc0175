using System.Text.Json;
using AgentOs.Sdk.Tests.PostgreSql;
using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Tests.Cli;

/// <summary><c>agentos init</c> and <c>agentos health</c> given a PostgreSQL connection string, against the test server.</summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlCommandTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    [PostgresFact]
    public async Task Init_creates_the_tables_and_health_then_passes_every_check()
    {
        var connectionString = await server.CreateDatabaseAsync("cli");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;

        var (initExit, initOut, initErr) = CliRunner.Run("init", connectionString);
        var (healthExit, healthOut, healthErr) = CliRunner.Run("health", connectionString);

        Assert.True(initExit == 0, initErr);
        Assert.Contains($"Opened AgentOs store postgresql://", initOut, StringComparison.Ordinal);
        Assert.Contains($"/{database}", initOut, StringComparison.Ordinal);
        Assert.Matches(@"  schema\s+0\.24", initOut);
        Assert.Matches(@"  synchronous_commit\s+on", initOut);
        Assert.True(healthExit == 0, healthOut + healthErr);
        Assert.Matches(@"  7 passed, 0 failed in \d+\.\d\d ms \(PostgreSQL [\d.]+, schema 0\.24\): healthy: recovery enabled", healthOut);
        Assert.Equal(1L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM schema_version"));
    }

    [PostgresFact]
    public async Task Health_of_an_empty_database_exits_1_as_json_and_creates_nothing()
    {
        var connectionString = await server.CreateDatabaseAsync("cli");

        var (exitCode, stdout, _) = CliRunner.Run("health", connectionString, "--json", "--mode", "safe");

        Assert.Equal(1, exitCode);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("safe", json.RootElement.GetProperty("mode").GetString());
        Assert.False(json.RootElement.GetProperty("recovery_enabled").GetBoolean());
        Assert.StartsWith("PostgreSQL ", json.RootElement.GetProperty("server_version").GetString(), StringComparison.Ordinal);
        Assert.Contains("schema_version", json.RootElement.GetProperty("summary").GetProperty("checks_failed").EnumerateArray().Select(e => e.GetString()));
        Assert.False(await AdminSql.ScalarAsync<bool>(connectionString, "SELECT to_regclass('schema_version') IS NOT NULL"));
    }

    [Fact]
    public void Init_of_an_unreachable_server_exits_1_naming_host_and_database_without_the_password()
    {
        var port = PostgreSqlHealthCheckTests.ClosedPort();

        var (exitCode, stdout, stderr) = CliRunner.Run("init", $"Host=127.0.0.1;Port={port};Database=fleet;Username=app;Password=hunter2-secret;Timeout=2");

        Assert.Equal(1, exitCode);
        Assert.Contains($"postgresql://app@127.0.0.1:{port}/fleet", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", stdout + stderr, StringComparison.Ordinal);
    }
}
