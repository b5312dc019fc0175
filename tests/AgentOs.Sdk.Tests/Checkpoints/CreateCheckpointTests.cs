using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class CreateCheckpointTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    [ConformanceFact]
    public void A_checkpoint_is_stored_verified_with_sequence_1_and_its_task_row_is_created()
    {
        var metadata = new Dictionary<string, string> { ["model"] = "gpt", ["attempt"] = "1" };

        var created = Manager.CreateCheckpoint("task-1", "plan", Json("""{"step":3,"cursor":"c3"}"""), Passing("dotnet test"), metadata: metadata);

        Assert.Equal(1, created.SequenceNumber);
        Assert.Equal(CheckpointStatus.Verified, created.Status);
        Assert.Null(created.VerificationError);
        Assert.Equal(Start.ToUnixTimeMilliseconds(), created.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Equal(created.CreatedAt, created.VerifiedAt);
        Assert.True(Guid.TryParse(created.Id, out var id));
        Assert.Equal(7, id.Version);

        var stored = Manager.GetCheckpoint(created.Id)!;
        Assert.Equal("task-1", stored.TaskId);
        Assert.Equal("plan", stored.Type);
        Assert.Equal(1, stored.SequenceNumber);
        Assert.Equal(3, stored.Snapshot.GetProperty("step").GetInt32());
        Assert.Equal("c3", stored.Snapshot.GetProperty("cursor").GetString());
        Assert.Equal(metadata, stored.Metadata);
        Assert.Equal(CheckpointStatus.Verified, stored.Status);
        Assert.Equal(created.CreatedAt, stored.CreatedAt);
        Assert.Equal(created.VerifiedAt, stored.VerifiedAt);
        Assert.Equal(new CommandExitEvidence("dotnet test", 0), Assert.Single(stored.Evidence));

        var task = Manager.GetTask("task-1")!;
        Assert.Equal(AgentTaskStatus.Pending, task.Status);
        Assert.Equal(Start.ToUnixTimeMilliseconds(), task.CreatedAt.ToUnixTimeMilliseconds());

        // The row is the record of a one-call checkpoint: no audit unless asked for.
        Assert.Empty(Manager.ListAudits("task-1"));
    }

    [ConformanceFact]
    public void A_created_checkpoint_is_audited_when_asked()
    {
        using var audited = new CheckpointManager(Context.Store, new CheckpointManagerOptions { AuditCheckpointCreation = true });

        var created = audited.CreateCheckpoint("task", "plan", Json("{}"), [new CommandExitEvidence("make", 2)]);

        var audit = Assert.Single(audited.ListAudits("task"));
        Assert.Equal(TaskAuditEvents.CheckpointCreated, audit.EventType);
        Assert.Equal(TaskAuditLevel.Warning, audit.Level);
        Assert.Contains($"\"checkpoint_id\":\"{created.Id}\"", audit.Payload, StringComparison.Ordinal);
        Assert.Contains("\"sequence_number\":1", audit.Payload, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"failed\"", audit.Payload, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Sequence_numbers_count_per_task()
    {
        var a1 = Context.Create("a");
        var b1 = Context.Create("b");
        var a2 = Context.Create("a");
        var a3 = Context.Create("a");
        var b2 = Context.Create("b");

        Assert.Equal([1L, 2L, 3L], new[] { a1, a2, a3 }.Select(c => c.SequenceNumber));
        Assert.Equal([1L, 2L], new[] { b1, b2 }.Select(c => c.SequenceNumber));
        Assert.Equal([1L, 2L, 3L], Manager.ListCheckpoints("a").Select(c => c.SequenceNumber));
    }

    [ConformanceFact]
    public void An_empty_evidence_pack_is_recorded_but_never_verified()
    {
        // The peer counted an empty pack as verified.
        var checkpoint = Manager.CreateCheckpoint("task", "step", Json("{}"), EvidencePack.Empty);

        Assert.Equal(CheckpointStatus.Failed, checkpoint.Status);
        Assert.Contains("evidence pack is empty", checkpoint.VerificationError, StringComparison.Ordinal);
        Assert.Equal(CheckpointStatus.Failed, Manager.GetCheckpoint(checkpoint.Id)!.Status);
        Assert.Null(Manager.GetLastVerifiedCheckpoint("task"));
        Assert.False(Manager.VerifyEvidence([]).IsVerified);
    }

    [ConformanceFact]
    public void The_database_itself_refuses_a_verified_row_with_an_empty_pack()
    {
        var checkpoint = Context.Create("task");

        var ex = Assert.ThrowsAny<System.Data.Common.DbException>(() =>
            Context.Execute($"UPDATE checkpoints SET evidence = '[]' WHERE checkpoint_id = '{checkpoint.Id}'"));
        Assert.Contains(Database.Choose("CHECK constraint failed", "violates check constraint"), ex.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void A_killed_command_is_not_verified_when_success_was_expected()
    {
        // The peer verified "command exit" evidence whatever the exit code was; 137 is SIGKILL.
        var checkpoint = Manager.CreateCheckpoint("task", "tool_call", Json("{}"), [new CommandExitEvidence("pytest -x", 137, expectedExitCode: 0)]);

        Assert.Equal(CheckpointStatus.Failed, checkpoint.Status);
        Assert.Contains("exited with 137, expected 0", checkpoint.VerificationError, StringComparison.Ordinal);
        Assert.Contains("pytest -x", checkpoint.VerificationError, StringComparison.Ordinal);
        Assert.Null(Manager.GetLastVerifiedCheckpoint("task"));
    }

    [ConformanceFact]
    public void A_typed_snapshot_round_trips_through_source_generated_metadata()
    {
        var state = new ResumeState(7, "page-7", ["fetch", "parse"]);

        var created = Manager.CreateCheckpoint("task", "crawl", state, TestJsonContext.Default.ResumeState, Passing());

        var resumed = Manager.GetLastVerifiedCheckpoint("task")!.GetSnapshot(TestJsonContext.Default.ResumeState)!;
        Assert.Equal(created.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Equal(7, resumed.Step);
        Assert.Equal("page-7", resumed.Cursor);
        Assert.Equal(["fetch", "parse"], resumed.Done);
        Assert.Equal(7, created.Snapshot.GetProperty("step").GetInt32());
    }

    [ConformanceFact]
    public void An_unknown_work_item_is_refused_by_name_and_nothing_is_written()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Manager.CreateCheckpoint("task", "step", Json("{}"), Passing(), workItemId: "wi-missing"));

        Assert.Contains("wi-missing", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Context.Scalar("SELECT count(*) FROM checkpoints"));
        Assert.Equal(0L, Context.Scalar("SELECT count(*) FROM tasks"));
    }

    [ConformanceFact]
    public void A_work_item_that_exists_is_recorded()
    {
        Context.Execute("INSERT INTO work_items (work_item_id, created_at_ms, updated_at_ms) VALUES ('wi-1', 0, 0)");

        var checkpoint = Manager.CreateCheckpoint("task", "step", Json("{}"), Passing(), workItemId: "wi-1");

        Assert.Equal("wi-1", Manager.GetCheckpoint(checkpoint.Id)!.WorkItemId);
    }

    [ConformanceFact]
    public void Bad_arguments_are_refused_before_anything_is_written()
    {
        Assert.Throws<ArgumentException>(() => Manager.CreateCheckpoint(" ", "step", Json("{}"), Passing()));
        Assert.Throws<ArgumentException>(() => Manager.CreateCheckpoint("task", "", Json("{}"), Passing()));
        Assert.Throws<ArgumentNullException>(() => Manager.CreateCheckpoint("task", "step", Json("{}"), null!));
        var undefined = Assert.Throws<ArgumentException>(() => Manager.CreateCheckpoint("task", "step", default(JsonElement), Passing()));
        Assert.Contains("undefined", undefined.Message, StringComparison.Ordinal);

        Assert.Equal(0L, Context.Scalar("SELECT count(*) FROM checkpoints"));
    }

    [ConformanceFact]
    public async Task The_async_form_records_the_same_and_a_cancelled_call_writes_nothing()
    {
        var created = await Manager.CreateCheckpointAsync("task", "step", Json("""{"a":1}"""), Passing());
        Assert.Equal(1, created.SequenceNumber);
        Assert.Equal(CheckpointStatus.Verified, (await Manager.GetCheckpointAsync(created.Id))!.Status);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Manager.CreateCheckpointAsync("task", "step", Json("{}"), Passing(), cancellationToken: cancelled.Token));

        Assert.Single(await Manager.ListCheckpointsAsync("task"));
    }

    [ConformanceFact]
    public void Created_time_comes_from_the_clock_in_milliseconds()
    {
        Context.Create("task");
        Context.Clock.Advance(TimeSpan.FromMinutes(5));

        var second = Context.Create("task");

        Assert.Equal(Start.AddMinutes(5).ToUnixTimeMilliseconds(), second.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Equal(Start.AddMinutes(5).ToUnixTimeMilliseconds(), Context.Scalar("SELECT created_at_ms FROM checkpoints WHERE sequence_number = 2"));
    }
}

public sealed class CreateCheckpointTests_Sqlite(SqliteProvider provider) : CreateCheckpointTests<SqliteProvider>(provider);

public sealed class CreateCheckpointTests_PostgreSql(PostgreSqlProvider provider) : CreateCheckpointTests<PostgreSqlProvider>(provider);
