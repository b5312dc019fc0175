using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Chaos;

/// <summary>SQLite files in the drill's own fresh folder: <c>&lt;drill folder&gt;/&lt;name&gt;.db</c>, created when first opened.</summary>
internal sealed class SqliteChaosStoreProvider : ChaosStoreProvider
{
    public override string Name => "SQLite";

    public override bool IsServer => false;

    public override string Location => "a file in each drill's folder";

    protected internal override Task<string> CreateDatabaseAsync(ChaosDrillContext context, string name, CancellationToken cancellationToken)
    {
        // The drill's folder is new, so the file cannot exist yet: AgentOsStore.Open creates and migrates it.
        var path = context.PathOf(name + ".db");
        context.TrackDatabase(path);
        return Task.FromResult(path);
    }

    protected internal override void Configure(StoreOptions options, string address, bool followCallerClock) => options.DatabasePath = address;
}
