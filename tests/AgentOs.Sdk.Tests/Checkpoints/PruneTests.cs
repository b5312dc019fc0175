using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class PruneTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private Checkpoint Failed(string taskId) => Manager.CreateCheckpoint(taskId, "step", Json("{}"), [new CommandExitEvidence("x", 1)]);

    [ConformanceFact]
    public void Pruning_by_count_keeps_the_last_verified_checkpoint()
    {
        // The peer pruned by count alone and could delete the only resume point.
        var verified = Context.Create("task");
        for (var i = 0; i < 9; i++)
        {
            Failed("task");
        }

        var deleted = Manager.Prune("task", keepLast: 3);

        Assert.Equal(6, deleted);
        Assert.Equal([1L, 8L, 9L, 10L], Manager.ListCheckpoints("task").Select(c => c.SequenceNumber));
        Assert.Equal(verified.Id, Manager.GetLastVerifiedCheckpoint("task")!.Id);
        var audit = Manager.ListAudits("task")[^1];
        Assert.Equal(TaskAuditEvents.Pruned, audit.EventType);
        Assert.Contains("\"deleted_count\":6", audit.Payload, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Pruning_keeps_the_real_resume_point_when_the_newest_verified_one_lost_its_artifact()
    {
        for (var i = 1; i <= 5; i++)
        {
            Manager.CreateCheckpoint("task", "step", Json("{}"), [new ArtifactExistsEvidence(Context.WriteArtifact($"a{i}.txt"))]);
        }

        File.Delete(Path.Combine(Context.StoreDirectory, "a5.txt"));

        Manager.Prune("task", keepLast: 1);

        Assert.Equal([4L, 5L], Manager.ListCheckpoints("task").Select(c => c.SequenceNumber));
        Assert.Equal(4, Manager.GetLastVerifiedCheckpoint("task")!.SequenceNumber);
    }

    [ConformanceFact]
    public void Pending_steps_are_never_pruned()
    {
        var pending = Manager.BeginStep("task", "step");
        for (var i = 0; i < 5; i++)
        {
            Context.Create("task");
        }

        Manager.Prune("task", keepLast: 1);

        Assert.Equal([1L, 6L], Manager.ListCheckpoints("task").Select(c => c.SequenceNumber));
        Assert.Equal(CheckpointStatus.Verified, Manager.CommitStep(pending, Json("{}"), Passing()).Status);
    }

    [ConformanceFact]
    public void Superseded_checkpoints_go_first_but_the_highest_number_stays_so_numbers_are_not_reused()
    {
        for (var i = 0; i < 6; i++)
        {
            Context.Create("task");
        }

        Manager.RollbackTo("task", 2);

        var deleted = Manager.Prune("task", keepLast: 2);

        Assert.Equal(3, deleted);
        Assert.Equal([1L, 2L, 6L], Manager.ListCheckpoints("task").Select(c => c.SequenceNumber));
        Assert.Equal(7, Context.Create("task").SequenceNumber);
    }

    [ConformanceFact]
    public async Task Nothing_is_deleted_when_everything_is_inside_the_window()
    {
        Context.Create("task");
        Context.Create("task");
        var before = Manager.ListAudits("task").Count;

        Assert.Equal(0, await Manager.PruneAsync("task", keepLast: 5));
        Assert.Equal(0, Manager.Prune("empty-task", keepLast: 1));
        Assert.Equal(2, Manager.ListCheckpoints("task").Count);
        Assert.Equal(before, Manager.ListAudits("task").Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => Manager.Prune("task", keepLast: 0));
    }

    [ConformanceFact]
    public void Other_tasks_are_untouched()
    {
        for (var i = 0; i < 4; i++)
        {
            Context.Create("a");
            Context.Create("b");
        }

        Manager.Prune("a", keepLast: 1);

        Assert.Single(Manager.ListCheckpoints("a"));
        Assert.Equal(4, Manager.ListCheckpoints("b").Count);
    }
}

public sealed class PruneTests_Sqlite(SqliteProvider provider) : PruneTests<SqliteProvider>(provider);

public sealed class PruneTests_PostgreSql(PostgreSqlProvider provider) : PruneTests<PostgreSqlProvider>(provider);
