using AgentOs.Sdk.Checkpoints;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public sealed class RollbackTests : IDisposable
{
    private readonly CheckpointTestContext _context = new();

    private CheckpointManager Manager => _context.Manager;

    public void Dispose() => _context.Dispose();

    [Fact]
    public void Later_checkpoints_are_superseded_and_the_chosen_one_becomes_the_resume_point()
    {
        var checkpoints = Enumerable.Range(1, 5).Select(i => _context.Create("task", snapshot: $$"""{"n":{{i}}}""")).ToList();

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
        var next = _context.Create("task");
        Assert.Equal(6, next.SequenceNumber);
        Assert.Equal(next.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
    }

    [Fact]
    public void Failed_and_pending_checkpoints_after_the_target_are_superseded_too()
    {
        _context.Create("task");
        Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 1)]);
        var inFlight = Manager.BeginStep("task", "step");

        Assert.Equal(2, Manager.RollbackTo("task", 1).SupersededCount);

        var late = Assert.Throws<InvalidOperationException>(() => Manager.CommitStep(inFlight, Json("{}"), Passing()));
        Assert.Contains("rollback", late.Message, StringComparison.Ordinal);
        Assert.Equal(CheckpointStatus.Superseded, Manager.GetCheckpoint(inFlight.CheckpointId)!.Status);
        Assert.Throws<InvalidOperationException>(() => Manager.VerifyCheckpoint(inFlight.CheckpointId));
    }

    [Fact]
    public void Only_a_verified_checkpoint_whose_evidence_still_holds_can_be_rolled_back_to()
    {
        _context.Create("task");
        Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 1)]);
        var withArtifact = Manager.CreateCheckpoint("task", "step", Json("{}"), [new ArtifactExistsEvidence(_context.WriteArtifact("a.txt"))]);
        _context.Create("task");
        File.Delete(Path.Combine(_context.StoreDirectory, "a.txt"));

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

    [Fact]
    public async Task Rolling_back_to_the_newest_checkpoint_changes_nothing()
    {
        _context.Create("task");
        var newest = _context.Create("task");

        var result = await Manager.RollbackToAsync("task", 2);

        Assert.Equal(0, result.SupersededCount);
        Assert.Equal(newest.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
    }
}
