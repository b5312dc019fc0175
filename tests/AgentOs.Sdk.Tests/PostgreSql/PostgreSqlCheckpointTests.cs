using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// What only PostgreSQL shows about checkpoints: the server's clock stamps them, writers on several stores (pools) and threads
/// number one task without a duplicate under row locks, and row evidence compares through the server's
/// catalog types. Everything else about checkpoints runs on both providers in the conformance suite (<c>Checkpoints/</c>).
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlCheckpointTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _temp = new("agentos-pg-checkpoints-");

    public void Dispose() => _temp.Dispose();

    [PostgresFact]
    public async Task Checkpoints_are_numbered_per_task_read_back_whole_and_stamped_by_the_servers_clock()
    {
        using var store = await OpenAsync();
        using var manager = Manager(store);

        var first = manager.CreateCheckpoint("task-a", "plan", Json("""{"step":1}"""), Passing(), metadata: new Dictionary<string, string> { ["k"] = "v" });
        var second = manager.CreateCheckpoint("task-a", "act", Json("""{"step":2}"""), Passing());
        var other = manager.CreateCheckpoint("task-b", "plan", Json("null"), Passing());
        var failed = manager.CreateCheckpoint("task-a", "act", Json("{}"), []);

        Assert.Equal([1L, 2L, 1L, 3L], new[] { first.SequenceNumber, second.SequenceNumber, other.SequenceNumber, failed.SequenceNumber });
        Assert.Equal(CheckpointStatus.Failed, failed.Status);
        var read = manager.GetCheckpoint(first.Id)!;
        Assert.Equal(first.Snapshot.GetRawText(), read.Snapshot.GetRawText());
        Assert.Equal("v", read.Metadata["k"]);
        Assert.Equal(first.Evidence, read.Evidence);
        Assert.Equal(first.CreatedAt, read.CreatedAt);
        // The store's clock rule: the server's now, not the caller's.
        Assert.InRange(read.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal([1L, 2L, 3L], manager.ListCheckpoints("task-a").Select(c => c.SequenceNumber));
        Assert.Equal([3L], manager.ListCheckpoints("task-a", CheckpointStatus.Failed).Select(c => c.SequenceNumber));
        Assert.Equal(AgentTaskStatus.Pending, manager.GetTask("task-a")!.Status);
    }

    [PostgresFact]
    public async Task Writers_on_four_stores_and_sixteen_threads_get_unique_gapless_numbers_on_one_task()
    {
        const int Stores = 4, ThreadsPerStore = 4, PerThread = 10;
        var connectionString = await server.CreateDatabaseAsync("cp");
        var stores = Enumerable.Range(0, Stores).Select(_ => Open(connectionString)).ToList();
        try
        {
            var managers = stores.Select(Manager).ToList();
            using var start = new Barrier(Stores * ThreadsPerStore);
            var writers = Enumerable.Range(0, Stores * ThreadsPerStore).Select(n => Task.Factory.StartNew(
                () =>
                {
                    var manager = managers[n % Stores];
                    start.SignalAndWait();
                    for (var i = 0; i < PerThread; i++)
                    {
                        // Half of them also write a second task, so that the row lock of one task never serialises another.
                        manager.CreateCheckpoint(i % 2 == 0 ? "shared" : "shared-" + (n % 2).ToString(CultureInfo.InvariantCulture), "step", Json("{}"), Passing(), metadata: Writer(n));
                    }
                },
                TaskCreationOptions.LongRunning)).ToArray();
            await Task.WhenAll(writers);

            var shared = managers[0].ListCheckpoints("shared");
            Assert.Equal(Enumerable.Range(1, Stores * ThreadsPerStore * PerThread / 2).Select(n => (long)n), shared.Select(c => c.SequenceNumber));
            var odd = managers[0].ListCheckpoints("shared-0").Concat(managers[0].ListCheckpoints("shared-1")).ToList();
            Assert.Equal(Stores * ThreadsPerStore * PerThread / 2, odd.Count);
            Assert.All(shared.GroupBy(c => c.Metadata["writer"]), group => Assert.Equal(PerThread / 2, group.Count()));
        }
        finally
        {
            stores.ForEach(store => store.Dispose());
        }
    }

    [PostgresFact]
    public async Task Row_evidence_is_checked_against_the_servers_catalog_with_typed_comparisons()
    {
        var connectionString = await server.CreateDatabaseAsync("cp");
        using var store = Open(connectionString);
        using var manager = Manager(store);
        await AdminSql.ExecuteAsync(connectionString, """
            CREATE TABLE "Orders" (id BIGINT PRIMARY KEY, status TEXT, shipped BOOLEAN, note TEXT);
            INSERT INTO "Orders" VALUES (42, 'paid', true, NULL);
            """);

        EvidenceItemResult Check(AgentOs.Sdk.Checkpoints.Evidence evidence) => manager.VerifyEvidence([evidence]).Items[0];

        Assert.True(Check(new DbRowEvidence("orders", "status", "paid")).Passed);
        Assert.True(Check(new DbRowEvidence("Orders", new Dictionary<string, JsonElement> { ["ID"] = Json("42"), ["shipped"] = Json("true"), ["note"] = Json("null") })).Passed);
        Assert.False(Check(new DbRowEvidence("orders", "id", 43)).Passed);
        Assert.Contains("does not exist", Check(new DbRowEvidence("x; DROP TABLE tasks", "id", 1)).Error, StringComparison.Ordinal);
        Assert.Contains("the column 'nope' does not exist in table 'Orders'", Check(new DbRowEvidence("orders", "nope", 1)).Error, StringComparison.Ordinal);
        // A value the column's type cannot hold fails the item with the server's reason; it never passes.
        Assert.False(Check(new DbRowEvidence("orders", "id", "forty-two")).Passed);
        // The system catalogs are not evidence.
        Assert.False(Check(new DbRowEvidence("pg_class", "relname", "tasks")).Passed);
        // The store's own tables are: a checkpoint row written before is evidence for the next step.
        var created = manager.CreateCheckpoint("task", "step", Json("{}"), Passing());
        Assert.True(Check(new DbRowEvidence("checkpoints", "checkpoint_id", created.Id)).Passed);
        Assert.Equal(1L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM tasks"));
    }

    private async Task<AgentOsStore> OpenAsync() => Open(await server.CreateDatabaseAsync("cp"));

    private static AgentOsStore Open(string connectionString) => AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));

    private CheckpointManager Manager(AgentOsStore store) => new(store, new CheckpointManagerOptions { BaseDirectory = _temp.Path });

    private static Dictionary<string, string> Writer(int n) => new() { ["writer"] = n.ToString(CultureInfo.InvariantCulture) };

    private static EvidencePack Passing() => [new CommandExitEvidence("step", 0)];

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
