using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class RollbackTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    [ConformanceFact]
    public void Later_checkpoints_are_superseded_and_the_chosen_one_becomes_the_resume_point()
    {
        var checkpoints = Enumerable.Range(1, 5).Select(i => Context.Create("task", snapshot: $$"""{"n":{{i}}}""")).ToList();

        var result = Manager.RollbackTo("task", 3);

        Assert.Equal(checkpoints[2].Id, result.ResumePoint.Id);
        Assert.Equal(2, result.SupersededCount);
        Assert.Equal(
            [CheckpointStatus.Verified, CheckpointStatus.Verified, CheckpointStatus.Verified, CheckpointStatus.Superseded, CheckpointStatus.Superseded],
            Manager.ListCheckpoints("task").Select(c => c.Status));
        Assert.Equal(3, Manager.GetLastVerifiedCheckpoint("task")!.Snapshot.GetProperty("n").GetInt32());
        var audit = Manager.ListAudits("task")[^1];
        Assert.Equal(TaskAuditEvents.RolledBack, audit.EventType);
        Assert.Contains("\"superseded_count\":2", audit.Payload, StringComparison.Ordinal);

        // Numbering continues after the superseded checkpoints: a number is never handed out twice.
        var next = Context.Create("task");
        Assert.Equal(6, next.SequenceNumber);
        Assert.Equal(next.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
    }

    [ConformanceFact]
    public void Failed_and_pending_checkpoints_after_the_target_are_superseded_too()
    {
        Context.Create("task");
        Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 1)]);
        var inFlight = Manager.BeginStep("task", "step");

        Assert.Equal(2, Manager.RollbackTo("task", 1).SupersededCount);

        var late = Assert.Throws<InvalidOperationException>(() => Manager.CommitStep(inFlight, Json("{}"), Passing()));
        Assert.Contains("rollback", late.Message, StringComparison.Ordinal);
        Assert.Equal(CheckpointStatus.Superseded, Manager.GetCheckpoint(inFlight.CheckpointId)!.Status);
        Assert.Throws<InvalidOperationException>(() => Manager.VerifyCheckpoint(inFlight.CheckpointId));
    }

    [ConformanceFact]
    public void Only_a_verified_checkpoint_whose_evidence_still_holds_can_be_rolled_back_to()
    {
        Context.Create("task");
        Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 1)]);
        var withArtifact = Manager.CreateCheckpoint("task", "step", Json("{}"), [new ArtifactExistsEvidence(Context.WriteArtifact("a.txt"))]);
        Context.Create("task");
        File.Delete(Path.Combine(Context.StoreDirectory, "a.txt"));

        var failed = Assert.Throws<InvalidOperationException>(() => Manager.RollbackTo("task", 2));
        Assert.Contains("only a verified checkpoint", failed.Message, StringComparison.Ordinal);

        var gone = Assert.Throws<InvalidOperationException>(() => Manager.RollbackTo("task", 3));
        Assert.Contains("evidence no longer holds", gone.Message, StringComparison.Ordinal);
        Assert.Equal(CheckpointStatus.Failed, Manager.GetCheckpoint(withArtifact.Id)!.Status);

        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => Manager.RollbackTo("task", 9));
        Assert.Contains("no checkpoint #9", missing.Message, StringComparison.Ordinal);

        // Nothing was superseded by the refused rollbacks.
        Assert.DoesNotContain(Manager.ListCheckpoints("task"), c => c.Status == CheckpointStatus.Superseded);
    }

    [ConformanceFact]
    public async Task Rolling_back_to_the_newest_checkpoint_changes_nothing()
    {
        Context.Create("task");
        var newest = Context.Create("task");

        var result = await Manager.RollbackToAsync("task", 2);

        Assert.Equal(0, result.SupersededCount);
        Assert.Equal(newest.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
    }
}

public sealed class RollbackTests_Sqlite(SqliteProvider provider) : RollbackTests<SqliteProvider>(provider);

public sealed class RollbackTests_PostgreSql(PostgreSqlProvider provider) : RollbackTests<PostgreSqlProvider>(provider);
