using System.Text.Json;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Cli;

[Trait("Category", "Chaos")]
public sealed class ChaosCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Chaos_runs_the_chosen_drills_with_the_tool_itself_as_the_worker_host_and_prints_json()
    {
        // Scenario 3 starts a worker process: the tool re-launches itself through WorkerHost.TryRun.
        var (exit, stdout, stderr) = CliRunner.Run("chaos", "--scenario", "3", "--scenario", "4", "--seed", "42", "--db-dir", _temp.Path, "--json");

        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("all_passed").GetBoolean());
        var drills = doc.RootElement.GetProperty("drills").EnumerateArray().ToList();
        Assert.Equal(["Scenario3_LeaseExpiration", "Scenario4_RecoverySweepStress"], drills.Select(d => d.GetProperty("name").GetString()));
        Assert.All(drills, d => Assert.Equal(42, d.GetProperty("seed").GetInt32()));
        Assert.Equal(100, drills[1].GetProperty("metrics").GetProperty("recovered").GetDouble());
        Assert.Contains("Scenario3_LeaseExpiration: starting (seed 42)", stderr, StringComparison.Ordinal);
        // Passed drills clean up their folders.
        Assert.Empty(Directory.GetDirectories(_temp.Path));
    }

    [Fact]
    public void Chaos_prints_a_matrix()
    {
        var (exit, stdout, stderr) = CliRunner.Run("chaos", "-s", "4", "--db-dir", _temp.Path);

        Assert.True(exit == 0, stderr);
        Assert.Contains("Scenario4_RecoverySweepStress  PASS", stdout, StringComparison.Ordinal);
        Assert.Contains("1/1 drills passed", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_scenario_is_a_usage_error()
    {
        var (exit, _, stderr) = CliRunner.Run("chaos", "--scenario", "11");

        Assert.Equal(2, exit);
        Assert.Contains("There is no scenario 11: choose from 1 to 10.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_that_is_not_a_connection_string_is_a_usage_error()
    {
        var (exit, _, stderr) = CliRunner.Run("chaos", "--store", "store/chaos.db", "-s", "3");

        Assert.Equal(2, exit);
        Assert.Contains("--store takes a PostgreSQL connection string", stderr, StringComparison.Ordinal);
    }
}
