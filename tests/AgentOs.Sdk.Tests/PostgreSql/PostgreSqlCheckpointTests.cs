using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Checkpoints on a real PostgreSQL server: numbering under concurrent writers (several stores, threads and processes),
/// row evidence through the catalog, the resume point, rollback, prune, steps, tasks and audits.
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
    public async Task Eight_processes_writing_one_task_at_once_lose_no_write_and_share_no_number()
    {
        const int Processes = 8, PerProcess = 15;
        var connectionString = await server.CreateDatabaseAsync("cp");
        using (Open(connectionString))
        {
            // Migrated once here, so that the children race on checkpoints, not on the migration.
        }

        var children = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < Processes; i++)
            {
                children.Add(ChildProcess.StartAssembly(
                    BuiltProgram.TestHost,
                    ["checkpoint-writer", connectionString, "task", PerProcess.ToString(CultureInfo.InvariantCulture)]));
            }

            foreach (var child in children)
            {
                Assert.Equal("ready", child.ReadLine());
            }

            foreach (var child in children)
            {
                child.WriteLine("go");
            }

            foreach (var child in children)
            {
                Assert.StartsWith($"done {PerProcess} ", child.ReadLine(), StringComparison.Ordinal);
                Assert.True(child.WaitForExit() == 0, child.Stderr);
            }
        }
        finally
        {
            children.ForEach(child => child.Dispose());
        }

        using var store = Open(connectionString);
        using var manager = Manager(store);
        var checkpoints = manager.ListCheckpoints("task");
        Assert.Equal(Enumerable.Range(1, Processes * PerProcess).Select(n => (long)n), checkpoints.Select(c => c.SequenceNumber));
        Assert.Equal(Processes, checkpoints.Select(c => c.Metadata["writer"]).Distinct().Count());
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

    [PostgresFact]
    public async Task The_resume_point_skips_a_checkpoint_whose_artifact_is_gone_and_records_it_failed()
    {
        using var store = await OpenAsync();
        using var manager = Manager(store);
        File.WriteAllText(_temp.Combine("one.txt"), "1");
        File.WriteAllText(_temp.Combine("two.txt"), "2");
        var one = manager.CreateCheckpoint("task", "step", Json("1"), [new ArtifactExistsEvidence("one.txt")]);
        var two = manager.CreateCheckpoint("task", "step", Json("2"), [new ArtifactExistsEvidence("two.txt")]);
        File.Delete(_temp.Combine("two.txt"));

        var resume = await manager.GetLastVerifiedCheckpointAsync("task");

        Assert.Equal(one.Id, resume!.Id);
        var stored = manager.GetCheckpoint(two.Id)!;
        Assert.Equal(CheckpointStatus.Failed, stored.Status);
        Assert.Contains("two.txt", stored.VerificationError, StringComparison.Ordinal);
        Assert.Contains(manager.ListAudits("task"), a => a.EventType == TaskAuditEvents.CheckpointVerificationFailed);
        File.WriteAllText(_temp.Combine("two.txt"), "2 again");
        Assert.True(manager.VerifyCheckpoint(two.Id).IsVerified);
        Assert.Equal(CheckpointStatus.Verified, manager.GetCheckpoint(two.Id)!.Status);
    }

    [PostgresFact]
    public async Task Rollback_supersedes_later_checkpoints_numbering_continues_and_prune_keeps_the_resume_point()
    {
        using var store = await OpenAsync();
        using var manager = Manager(store);
        for (var i = 0; i < 6; i++)
        {
            manager.CreateCheckpoint("task", "step", Json(i.ToString(CultureInfo.InvariantCulture)), Passing());
        }

        var rolled = await manager.RollbackToAsync("task", 3);
        var seventh = manager.CreateCheckpoint("task", "step", Json("7"), Passing());

        Assert.Equal(3, rolled.SupersededCount);
        Assert.Equal(7, seventh.SequenceNumber);
        Assert.Equal([4L, 5L, 6L], manager.ListCheckpoints("task", CheckpointStatus.Superseded).Select(c => c.SequenceNumber));

        var deleted = manager.Prune("task", keepLast: 2);

        Assert.Equal([3L, 7L], manager.ListCheckpoints("task").Select(c => c.SequenceNumber));
        Assert.Equal(5, deleted);
        Assert.Equal(7, manager.GetLastVerifiedCheckpoint("task")!.SequenceNumber);
        Assert.Equal(8, manager.CreateCheckpoint("task", "step", Json("8"), Passing()).SequenceNumber);
        Assert.Contains(manager.ListAudits("task"), a => a.EventType == TaskAuditEvents.Pruned);
        Assert.Contains(manager.ListAudits("task"), a => a.EventType == TaskAuditEvents.RolledBack);
    }

    [PostgresFact]
    public async Task Steps_begin_pending_commit_verified_and_abandoned_ones_fail()
    {
        using var store = await OpenAsync();
        using var manager = Manager(store);

        var step = await manager.BeginStepAsync("task", "tool");
        Assert.Equal(CheckpointStatus.Pending, manager.GetCheckpoint(step.CheckpointId)!.Status);
        var committed = await manager.CommitStepAsync(step, Json("""{"done":true}"""), Passing());
        await using (var dropped = await manager.BeginStepAsync("task", "tool"))
        {
            Assert.Equal(2, dropped.SequenceNumber);
        }

        var crashed = manager.BeginStep("task", "tool");
        var abandoned = await manager.AbandonPendingStepsAsync("task", "the worker died");

        Assert.Equal(CheckpointStatus.Verified, committed.Status);
        Assert.Equal(1, abandoned);
        Assert.Equal(
            [CheckpointStatus.Verified, CheckpointStatus.Failed, CheckpointStatus.Failed],
            manager.ListCheckpoints("task").Select(c => c.Status));
        Assert.Throws<InvalidOperationException>(() => manager.CommitStep(crashed, Json("{}"), Passing()));
    }

    [PostgresFact]
    public async Task Task_status_and_audits_are_kept_in_order_with_the_change_they_record()
    {
        using var store = await OpenAsync();
        using var manager = Manager(store);

        Assert.True(manager.EnsureTask("task", "the title"));
        Assert.False(manager.EnsureTask("task", "another title"));
        var running = await manager.SetTaskStatusAsync("task", AgentTaskStatus.Running);
        manager.SetTaskStatus("task", AgentTaskStatus.Running);
        var id = manager.AppendAudit("task", "custom_event", Json("""{"n":1}"""), TaskAuditLevel.Warning);

        Assert.Equal(AgentTaskStatus.Running, running.Status);
        Assert.Equal("the title", manager.GetTask("task")!.Title);
        var audits = manager.ListAudits("task");
        Assert.Equal([TaskAuditEvents.StatusChanged, "custom_event"], audits.Select(a => a.EventType));
        Assert.Equal(id, audits[^1].AuditId);
        Assert.Equal("""{"n":1}""", audits[^1].Payload);
        Assert.Equal(["custom_event"], manager.ListAudits("task", limit: 1).Select(a => a.EventType));
    }

    [PostgresFact]
    public async Task A_checkpoint_for_a_missing_work_item_is_refused_naming_it_and_leaves_no_row()
    {
        var connectionString = await server.CreateDatabaseAsync("cp");
        using var store = Open(connectionString);
        using var manager = Manager(store);
        var item = new WorkQueue(store).Enqueue("job", "{}");

        var error = Assert.Throws<ArgumentException>(() => manager.CreateCheckpoint("task", "step", Json("{}"), Passing(), workItemId: "no-such-item"));
        var linked = manager.CreateCheckpoint("task", "step", Json("{}"), Passing(), workItemId: item.Id);

        Assert.Contains("'no-such-item'", error.Message, StringComparison.Ordinal);
        Assert.Contains(store.Location, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, linked.SequenceNumber);
        Assert.Equal(1L, await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM checkpoints"));
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
