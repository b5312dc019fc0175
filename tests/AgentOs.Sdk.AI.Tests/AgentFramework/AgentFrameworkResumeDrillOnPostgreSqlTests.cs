using AgentOs.Sdk.AgentFramework.Chaos;
using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.PostgreSql.Chaos;
using Xunit.Abstractions;

namespace AgentOs.Sdk.AI.Tests.AgentFramework;

/// <summary>
/// Drill 9 as <c>agentos chaos --store</c> runs it: the workflows checkpoint into a fresh PostgreSQL database, worker
/// processes (the AI test host, which does not reference the PostgreSQL package) are SIGKILLed and resume from it.
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class AgentFrameworkResumeDrillOnPostgreSqlTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _temp = new("agentos-af-drill-pg-");

    public void Dispose() => _temp.Dispose();

    [PostgresFact]
    public async Task Killed_workflows_resume_from_their_postgresql_checkpoints_to_the_right_output()
    {
        // Fewer kills than the SQLite test: the point here is the store, and the loop is the same code.
        var drill = new AgentFrameworkResumeDrill(new AgentFrameworkResumeDrillOptions { Kills = 6 });
        var options = new ChaosDrillOptions
        {
            WorkDirectory = _temp.Combine("drills"),
            EvidenceDirectory = _temp.Combine("evidence"),
            WorkerHostPath = AiTestHost.Path,
            StoreProvider = new PostgreSqlChaosStoreProvider(database.ConnectionString),
            Progress = new Progress(p => output.WriteLine($"[{p.Name}] {p.Message}")),
        };

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var result = await ChaosDrills.RunAsync(drill, options, timeout.Token);

        Assert.True(result.Passed, $"{result.Name} failed (seed {result.Seed}): {result.Error}");
        Assert.False(result.Skipped);
        Assert.True(result.Metrics["kills"] >= 6);
        Assert.True(result.Metrics["checkpoints_verified"] > 0);
        Assert.StartsWith("postgresql://", Assert.Single(result.Stores), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_file_system_store_comparison_is_skipped_on_a_server_store()
    {
        var drill = new AgentFrameworkResumeDrill(new AgentFrameworkResumeDrillOptions { UseFileSystemStore = true });
        var options = new ChaosDrillOptions
        {
            WorkDirectory = _temp.Combine("drills"),
            StoreProvider = new PostgreSqlChaosStoreProvider("Host=127.0.0.1;Port=1;Database=nowhere"),
        };

        var result = await ChaosDrills.RunAsync(drill, options);

        Assert.True(result.Skipped);
        Assert.Contains("cannot run on PostgreSQL", result.SkipReason, StringComparison.Ordinal);
    }

    private sealed class Progress(Action<ChaosProgress> report) : IProgress<ChaosProgress>
    {
        public void Report(ChaosProgress value) => report(value);
    }
}
