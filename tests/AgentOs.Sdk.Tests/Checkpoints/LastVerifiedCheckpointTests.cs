using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class LastVerifiedCheckpointTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private Checkpoint CreateWithArtifact(string taskId, string artifact) =>
        Manager.CreateCheckpoint(taskId, "step", Json("{}"), [new ArtifactExistsEvidence(Context.WriteArtifact(artifact)), new CommandExitEvidence("step", 0)]);

    [ConformanceFact]
    public void An_artifact_deleted_after_verification_is_caught_and_the_older_checkpoint_is_resumed()
    {
        // The peer trusted the stored flag and restored from a checkpoint whose artifact was gone.
        var first = CreateWithArtifact("task", "a1.json");
        var second = CreateWithArtifact("task", "a2.json");
        Assert.Equal(CheckpointStatus.Verified, Manager.GetCheckpoint(second.Id)!.Status);
        File.Delete(Path.Combine(Context.StoreDirectory, "a2.json"));
        Context.Clock.Advance(TimeSpan.FromMinutes(1));

        var resume = Manager.GetLastVerifiedCheckpoint("task");

        Assert.Equal(first.Id, resume!.Id);
        var demoted = Manager.GetCheckpoint(second.Id)!;
        Assert.Equal(CheckpointStatus.Failed, demoted.Status);
        Assert.Contains("a2.json' does not exist", demoted.VerificationError, StringComparison.Ordinal);
        Assert.Equal(Start.AddMinutes(1), demoted.VerifiedAt);
        var audit = Manager.ListAudits("task")[^1];
        Assert.Equal(TaskAuditEvents.CheckpointVerificationFailed, audit.EventType);
        Assert.Equal(TaskAuditLevel.Error, audit.Level);
        Assert.Contains(second.Id, audit.Payload, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void It_walks_back_over_every_broken_checkpoint_and_returns_null_when_none_holds()
    {
        var checkpoints = Enumerable.Range(1, 4).Select(i => CreateWithArtifact("task", $"a{i}.json")).ToList();
        foreach (var i in new[] { 2, 3, 4 })
        {
            File.Delete(Path.Combine(Context.StoreDirectory, $"a{i}.json"));
        }

        Assert.Equal(checkpoints[0].Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Equal(
            [CheckpointStatus.Verified, CheckpointStatus.Failed, CheckpointStatus.Failed, CheckpointStatus.Failed],
            Manager.ListCheckpoints("task").Select(c => c.Status));

        File.Delete(Path.Combine(Context.StoreDirectory, "a1.json"));
        Assert.Null(Manager.GetLastVerifiedCheckpoint("task"));
        Assert.Empty(Manager.ListCheckpoints("task", CheckpointStatus.Verified));
    }

    [ConformanceFact]
    public async Task The_async_form_finds_the_same_resume_point()
    {
        var first = CreateWithArtifact("task", "a1.json");
        CreateWithArtifact("task", "a2.json");
        File.Delete(Path.Combine(Context.StoreDirectory, "a2.json"));

        Assert.Equal(first.Id, (await Manager.GetLastVerifiedCheckpointAsync("task"))!.Id);
    }

    [ConformanceFact]
    public void Failed_and_pending_checkpoints_are_skipped_and_an_unknown_task_has_none()
    {
        var verified = Context.Create("task");
        Manager.CreateCheckpoint("task", "step", Json("{}"), [new CommandExitEvidence("x", 1)]);
        Manager.BeginStep("task", "step");

        Assert.Equal(verified.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        Assert.Null(Manager.GetLastVerifiedCheckpoint("nobody"));
    }

    [ConformanceFact]
    public void Verify_checkpoint_records_failure_and_a_restored_artifact_verifies_again()
    {
        var checkpoint = CreateWithArtifact("task", "a.json");
        var path = Path.Combine(Context.StoreDirectory, "a.json");
        File.Delete(path);
        Context.Clock.Advance(TimeSpan.FromSeconds(30));

        var failed = Manager.VerifyCheckpoint(checkpoint.Id);

        Assert.False(failed.IsVerified);
        Assert.False(failed.Items[0].Passed);
        Assert.True(failed.Items[1].Passed);
        var stored = Manager.GetCheckpoint(checkpoint.Id)!;
        Assert.Equal(CheckpointStatus.Failed, stored.Status);
        Assert.Equal(failed.Error, stored.VerificationError);
        Assert.Equal(Start.AddSeconds(30), stored.VerifiedAt);

        File.WriteAllText(path, "back");
        Context.Clock.Advance(TimeSpan.FromSeconds(30));
        var passed = Manager.VerifyCheckpoint(checkpoint.Id);

        Assert.True(passed.IsVerified);
        stored = Manager.GetCheckpoint(checkpoint.Id)!;
        Assert.Equal(CheckpointStatus.Verified, stored.Status);
        Assert.Null(stored.VerificationError);
        Assert.Equal(Start.AddSeconds(60), stored.VerifiedAt);
        Assert.Equal(
            [TaskAuditEvents.CheckpointVerificationFailed, TaskAuditEvents.CheckpointVerified],
            Manager.ListAudits("task").Select(a => a.EventType));
    }

    [ConformanceFact]
    public async Task Verify_checkpoint_refuses_unknown_ids()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => Manager.VerifyCheckpoint("nope"));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Manager.VerifyCheckpointAsync("nope"));
        Assert.Null(Manager.GetCheckpoint("nope"));
    }
}

public sealed class LastVerifiedCheckpointTests_Sqlite(SqliteProvider provider) : LastVerifiedCheckpointTests<SqliteProvider>(provider);

public sealed class LastVerifiedCheckpointTests_PostgreSql(PostgreSqlProvider provider) : LastVerifiedCheckpointTests<PostgreSqlProvider>(provider);
