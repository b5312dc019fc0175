using System.Text.Json;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Cli;

/// <summary><c>agentos chaos --store</c> against a real PostgreSQL server, the tool itself hosting the workers.</summary>
[Trait("Category", "Chaos")]
[Trait("Provider", "PostgreSql")]
public sealed class ChaosCommandPostgreSqlTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [PostgresFact]
    public void Chaos_with_a_connection_string_runs_the_drills_on_fresh_databases_of_the_server()
    {
        var (exit, stdout, stderr) = CliRunner.Run("chaos", "--store", database.ConnectionString, "-s", "3", "--seed", "7", "--db-dir", _temp.Path, "--json");

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("all_passed").GetBoolean());
        Assert.Equal("PostgreSQL", root.GetProperty("store").GetProperty("provider").GetString());
        var drill = Assert.Single(root.GetProperty("drills").EnumerateArray().ToList());
        Assert.True(drill.GetProperty("passed").GetBoolean());
        Assert.False(drill.GetProperty("skipped").GetBoolean());
        Assert.Equal(drill.GetProperty("metrics").GetProperty("epoch_a").GetDouble() + 1, drill.GetProperty("metrics").GetProperty("epoch_b").GetDouble());
        Assert.Contains("store: PostgreSQL (postgresql://", stderr, StringComparison.Ordinal);
        Assert.Contains("[3] Scenario3_LeaseExpiration: passed", stderr, StringComparison.Ordinal);
    }
}
