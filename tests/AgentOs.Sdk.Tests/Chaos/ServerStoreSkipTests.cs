using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.PostgreSql.Chaos;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Chaos;

public sealed class ServerStoreSkipTests : IDisposable
{
    private readonly TempDirectory _temp = new("agentos-chaos-skip-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_drill_that_opens_sqlite_files_itself_is_skipped_on_a_server_store_with_the_reason_and_never_runs()
    {
        var drill = new OpensItsOwnFilesDrill();
        // Nothing listens on port 1: the skip is decided before any database is created.
        var provider = new PostgreSqlChaosStoreProvider("Host=127.0.0.1;Port=1;Database=nowhere;Username=u;Password=p");

        var result = await ChaosDrills.RunAsync(drill, new ChaosDrillOptions { WorkDirectory = _temp.Path, StoreProvider = provider });

        Assert.True(result.Skipped);
        Assert.False(result.Passed);
        Assert.Equal("keeps its data in files it opens itself, not in the drill's store, so it cannot run on PostgreSQL", result.SkipReason);
        Assert.Equal(0, drill.Runs);
        Assert.Empty(Directory.GetDirectories(_temp.Path));
    }

    [Fact]
    public async Task Every_built_in_drill_of_the_core_runs_on_server_stores_through_the_context()
    {
        Assert.All(ChaosDrills.All, d => Assert.True(d.SupportsServerStores, $"{d.Name} opens its databases itself"));
        // And on SQLite a drill that opens its own files still runs.
        var drill = new OpensItsOwnFilesDrill();
        var result = await ChaosDrills.RunAsync(drill, new ChaosDrillOptions { WorkDirectory = _temp.Path });
        Assert.True(result.Passed, result.Error);
        Assert.Equal(1, drill.Runs);
    }

    private sealed class OpensItsOwnFilesDrill : ChaosDrill
    {
        public int Runs { get; private set; }

        public override int Number => 99;

        public override string Name => "OpensItsOwnFiles";

        public override string Description => "Opens a SQLite file by path, as drills written before ChaosDrillContext.OpenStore do.";

        protected internal override Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
        {
            Runs++;
            using var store = AgentOs.Sdk.Storage.AgentOsStore.Open(context.PathOf("own.db"));
            context.Require(File.Exists(context.PathOf("own.db")), "the drill's own file was not created");
            return Task.FromResult("opened its own file");
        }
    }
}
