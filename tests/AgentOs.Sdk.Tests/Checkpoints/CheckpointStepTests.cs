using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class CheckpointStepTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    [ConformanceFact]
    public void Begin_records_a_pending_checkpoint_and_commit_verifies_it()
    {
        var step = Manager.BeginStep("task", "tool_call", metadata: new Dictionary<string, string> { ["tool"] = "grep" });

        Assert.Equal(1, step.SequenceNumber);
        var pending = Manager.GetCheckpoint(step.CheckpointId)!;
        Assert.Equal(CheckpointStatus.Pending, pending.Status);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, pending.Snapshot.ValueKind);
        Assert.Empty(pending.Evidence);
        Assert.Null(pending.VerifiedAt);

        Context.Clock.Advance(TimeSpan.FromSeconds(2));
        var committed = Manager.CommitStep(step, Json("""{"found":3}"""), Passing("grep -c x"));

        Assert.Equal(CheckpointStatus.Verified, committed.Status);
        Assert.Equal(step.CheckpointId, committed.Id);
        Assert.Equal(Start.ToUnixTimeMilliseconds(), committed.CreatedAt.ToUnixTimeMilliseconds());
        Assert.Equal(Start.AddSeconds(2).ToUnixTimeMilliseconds(), committed.VerifiedAt!.Value.ToUnixTimeMilliseconds());
        var stored = Manager.GetCheckpoint(step.CheckpointId)!;
        Assert.Equal(CheckpointStatus.Verified, stored.Status);
        Assert.Equal(3, stored.Snapshot.GetProperty("found").GetInt32());
        Assert.Equal("grep", stored.Metadata["tool"]);
        Assert.Equal(committed.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Equal(
            [TaskAuditEvents.StepBegun, TaskAuditEvents.CheckpointCommitted],
            Manager.ListAudits("task").Select(a => a.EventType));
        Assert.True(step.IsCompleted);
    }

    [ConformanceFact]
    public void A_step_that_is_never_committed_stays_pending_and_is_never_the_resume_point()
    {
        var done = Context.Create("task");
        var step = Manager.BeginStep("task", "second");
        // The process "dies" here: no commit, no dispose.

        var checkpoints = Manager.ListCheckpoints("task");
        Assert.Equal([CheckpointStatus.Verified, CheckpointStatus.Pending], checkpoints.Select(c => c.Status));
        Assert.Equal(done.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Equal(step.CheckpointId, Assert.Single(Manager.ListCheckpoints("task", CheckpointStatus.Pending)).Id);
        var verify = Assert.Throws<InvalidOperationException>(() => Manager.VerifyCheckpoint(step.CheckpointId));
        Assert.Contains("not committed", verify.Message, StringComparison.Ordinal);

        // The next worker numbers its checkpoints after the crashed step: no duplicate, no gap.
        Assert.Equal(3, Context.Create("task").SequenceNumber);
    }

    [ConformanceFact]
    public void Disposing_an_uncommitted_step_abandons_it()
    {
        var done = Context.Create("task");
        using (Manager.BeginStep("task", "second"))
        {
            // An exception would leave this block the same way.
        }

        var abandoned = Manager.ListCheckpoints("task")[1];
        Assert.Equal(CheckpointStatus.Failed, abandoned.Status);
        Assert.Contains("abandoned", abandoned.VerificationError, StringComparison.Ordinal);
        Assert.Equal(done.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Equal(TaskAuditEvents.StepAbandoned, Manager.ListAudits("task")[^1].EventType);
    }

    [ConformanceFact]
    public async Task Disposing_asynchronously_abandons_too_and_a_committed_step_is_left_alone()
    {
        await using (var step = await Manager.BeginStepAsync("task", "first"))
        {
            await Manager.CommitStepAsync(step, Json("{}"), Passing());
        }

        await using (await Manager.BeginStepAsync("task", "second"))
        {
        }

        Assert.Equal([CheckpointStatus.Verified, CheckpointStatus.Failed], (await Manager.ListCheckpointsAsync("task")).Select(c => c.Status));
    }

    [ConformanceFact]
    public void A_step_commits_once()
    {
        var step = Manager.BeginStep("task", "step");
        Manager.CommitStep(step, Json("{}"), Passing());

        var again = Assert.Throws<InvalidOperationException>(() => Manager.CommitStep(step, Json("{}"), Passing()));
        Assert.Contains("already committed or abandoned", again.Message, StringComparison.Ordinal);
        step.Dispose();
        Assert.Equal(CheckpointStatus.Verified, Manager.GetCheckpoint(step.CheckpointId)!.Status);
    }

    [ConformanceFact]
    public void An_abandoned_step_cannot_be_committed()
    {
        var step = Manager.BeginStep("task", "step");
        step.Dispose();

        Assert.Throws<InvalidOperationException>(() => Manager.CommitStep(step, Json("{}"), Passing()));
        Assert.Equal(CheckpointStatus.Failed, Manager.GetCheckpoint(step.CheckpointId)!.Status);
    }

    [ConformanceFact]
    public void A_step_with_failing_evidence_commits_as_failed()
    {
        var step = Manager.BeginStep("task", "step");

        var committed = Manager.CommitStep(step, Json("{}"), [new CommandExitEvidence("make", 2)]);

        Assert.Equal(CheckpointStatus.Failed, committed.Status);
        Assert.Contains("exited with 2", Manager.GetCheckpoint(step.CheckpointId)!.VerificationError, StringComparison.Ordinal);
        Assert.Null(Manager.GetLastVerifiedCheckpoint("task"));
    }

    [ConformanceFact]
    public void Steps_keep_the_numbers_they_began_with_whatever_order_they_commit_in()
    {
        var first = Manager.BeginStep("task", "a");
        var second = Manager.BeginStep("task", "b");

        Manager.CommitStep(second, Json("""{"n":2}"""), Passing());
        Manager.CommitStep(first, Json("""{"n":1}"""), Passing());

        Assert.Equal((1L, 2L), (first.SequenceNumber, second.SequenceNumber));
        Assert.Equal(2, Manager.GetLastVerifiedCheckpoint("task")!.Snapshot.GetProperty("n").GetInt32());
    }

    [ConformanceFact]
    public void Abandoning_pending_steps_after_a_crash_retires_them_with_the_reason()
    {
        Context.Create("task");
        var crashed1 = Manager.BeginStep("task", "a");
        var crashed2 = Manager.BeginStep("task", "b");
        Context.Create("other");
        var elsewhere = Manager.BeginStep("other", "c");

        var count = Manager.AbandonPendingSteps("task", "worker 7 died");

        Assert.Equal(2, count);
        foreach (var id in new[] { crashed1.CheckpointId, crashed2.CheckpointId })
        {
            var checkpoint = Manager.GetCheckpoint(id)!;
            Assert.Equal(CheckpointStatus.Failed, checkpoint.Status);
            Assert.Contains("worker 7 died", checkpoint.VerificationError, StringComparison.Ordinal);
        }

        Assert.Equal(CheckpointStatus.Pending, Manager.GetCheckpoint(elsewhere.CheckpointId)!.Status);
        Assert.Equal(2, Manager.ListAudits("task").Count(a => a.EventType == TaskAuditEvents.StepAbandoned));
        var late = Assert.Throws<InvalidOperationException>(() => Manager.CommitStep(crashed1, Json("{}"), Passing()));
        Assert.Contains("abandoned", late.Message, StringComparison.Ordinal);
        Assert.Equal(0, Manager.AbandonPendingSteps("task", "again"));
    }

    [ConformanceFact]
    public void A_step_belongs_to_the_manager_that_began_it()
    {
        using var other = new CheckpointManager(Context.Store);
        var step = Manager.BeginStep("task", "step");

        var ex = Assert.Throws<ArgumentException>(() => other.CommitStep(step, Json("{}"), Passing()));
        Assert.Contains("another CheckpointManager", ex.Message, StringComparison.Ordinal);
        Assert.False(step.IsCompleted);
        Assert.Equal(CheckpointStatus.Verified, Manager.CommitStep(step, Json("{}"), Passing()).Status);
    }

    [ConformanceFact]
    public async Task A_cancelled_commit_leaves_the_step_pending_and_committable()
    {
        var step = Manager.BeginStep("task", "step");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Manager.CommitStepAsync(step, Json("{}"), Passing(), cancelled.Token));

        Assert.False(step.IsCompleted);
        Assert.Equal(CheckpointStatus.Pending, Manager.GetCheckpoint(step.CheckpointId)!.Status);
        Assert.Equal(CheckpointStatus.Verified, (await Manager.CommitStepAsync(step, Json("{}"), Passing())).Status);
    }

    [ConformanceFact]
    public void A_typed_snapshot_can_be_committed()
    {
        var step = Manager.BeginStep("task", "step");

        Manager.CommitStep(step, new ResumeState(2, "c2", []), TestJsonContext.Default.ResumeState, Passing());

        Assert.Equal("c2", Manager.GetLastVerifiedCheckpoint("task")!.GetSnapshot(TestJsonContext.Default.ResumeState)!.Cursor);
    }
}

public sealed class CheckpointStepTests_Sqlite(SqliteProvider provider) : CheckpointStepTests<SqliteProvider>(provider);

public sealed class CheckpointStepTests_PostgreSql(PostgreSqlProvider provider) : CheckpointStepTests<PostgreSqlProvider>(provider);
