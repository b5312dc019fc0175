using System.Text.Json;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.Evidence;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Chaos;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using AgentOs.Sdk.Tests.TestSupport;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// What only a server shows in failure evidence: its version and the database's name, never the password of the connection
/// string, and a database that went away while the store was open. Everything else about evidence of a store runs on both
/// providers (<c>Evidence/StoreEvidenceTests</c>).
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlEvidenceTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>, IDisposable
{
    private const string Password = "evidence-must-not-show-this";

    private readonly TempDirectory _temp = new("agentos-pg-evidence-");

    public void Dispose() => _temp.Dispose();

    [PostgresFact]
    public async Task Evidence_of_a_postgresql_store_names_the_server_version_and_the_database_and_never_the_password()
    {
        // The test server trusts local connections, so the password is sent nowhere; the store still has it in its options.
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Password = Password }.ConnectionString;
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));

        var text = File.ReadAllText(FailureEvidence.Dump("t", store, "e", options: Options()));

        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(text);
        var database = document.RootElement.GetProperty("database");
        var expected = new NpgsqlConnectionStringBuilder(server.ConnectionString);
        Assert.Equal("ok", database.GetProperty("status").GetString());
        Assert.Equal(PostgreSqlEndpoint.Parse(server.ConnectionString).ToString(), database.GetProperty("location").GetString());
        var described = database.GetProperty("server");
        Assert.Equal("postgresql", described.GetProperty("provider").GetString());
        Assert.Equal(expected.Database, described.GetProperty("database").GetString());
        await using var admin = new NpgsqlConnection(server.ConnectionString);
        await admin.OpenAsync();
        Assert.Equal(admin.ServerVersion, described.GetProperty("server_version").GetString());
    }

    [PostgresFact]
    public async Task A_database_that_went_away_while_its_store_was_open_still_yields_evidence_that_says_so()
    {
        var connectionString = await server.CreateDatabaseAsync("evidence-gone");
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await AdminSql.ExecuteAsync(server.ServerConnectionString, $"DROP DATABASE \"{name}\" WITH (FORCE)");

        using var document = JsonDocument.Parse(File.ReadAllText(FailureEvidence.Dump("t", store, "e", options: Options())));

        var database = document.RootElement.GetProperty("database");
        Assert.Equal("unreadable", database.GetProperty("status").GetString());
        Assert.Contains(name, database.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_drill_that_fails_on_a_server_store_describes_its_database_in_the_evidence_file()
    {
        var result = await ChaosDrills.RunAsync(
            new FailingDrill(),
            new ChaosDrillOptions
            {
                WorkDirectory = _temp.Combine("work"),
                EvidenceDirectory = _temp.Combine("evidence"),
                StoreProvider = new PostgreSqlChaosStoreProvider(server.ConnectionString),
                Seed = 1,
            });

        Assert.False(result.Passed);
        Assert.NotNull(result.EvidencePath);
        using var document = JsonDocument.Parse(File.ReadAllText(result.EvidencePath));
        var database = document.RootElement.GetProperty("database");
        Assert.Equal("ok", database.GetProperty("status").GetString());
        Assert.Equal(Assert.Single(result.Stores), database.GetProperty("location").GetString());
        Assert.Equal(1, database.GetProperty("table_counts").GetProperty("work_items").GetInt64());
        Assert.Equal("evidence", database.GetProperty("recent_work_items")[0].GetProperty("kind").GetString());

        // A failed drill keeps its databases for inspection; this one has been inspected.
        var name = result.Stores[0][(result.Stores[0].LastIndexOf('/') + 1)..];
        await AdminSql.ExecuteAsync(server.ServerConnectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    /// <summary>Enqueues one work item in its store, then fails, as a drill whose check does not hold.</summary>
    private sealed class FailingDrill : ChaosDrill
    {
        public override int Number => 98;

        public override string Name => "FailsOnPurpose";

        public override string Description => "Writes one work item and fails, so that its failure evidence can be read.";

        public override bool SupportsServerStores => true;

        protected internal override Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
        {
            using (var store = context.OpenStore("evidence"))
            {
                new WorkQueue(store).Enqueue("evidence");
            }

            context.RequireEqual(2, 1, "work items enqueued");
            return Task.FromResult("unreachable");
        }
    }

    private EvidenceOptions Options() => new() { OutputDirectory = _temp.Combine("evidence") };
}
