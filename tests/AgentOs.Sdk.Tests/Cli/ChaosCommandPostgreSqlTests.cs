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
    public void Chaos_with_a_connection_string_runs_the_drills_on_the_server_and_skips_the_ones_that_need_sqlite_files()
    {
        var (exit, stdout, stderr) = CliRunner.Run("chaos", "--store", database.ConnectionString, "-s", "3", "-s", "9", "--seed", "7", "--db-dir", _temp.Path, "--json");

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("all_passed").GetBoolean());
        Assert.Equal("PostgreSQL", root.GetProperty("store").GetProperty("provider").GetString());
        var drills = root.GetProperty("drills").EnumerateArray().ToList();
        Assert.True(drills[0].GetProperty("passed").GetBoolean());
        Assert.False(drills[0].GetProperty("skipped").GetBoolean());
        Assert.True(drills[1].GetProperty("skipped").GetBoolean());
        Assert.Contains("cannot run on PostgreSQL", drills[1].GetProperty("skip_reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("store: PostgreSQL (postgresql://", stderr, StringComparison.Ordinal);
    }
}
