using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class TaskTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    [ConformanceFact]
    public void Ensure_task_creates_the_row_once()
    {
        Assert.True(Manager.EnsureTask("task", "Summarise the logs"));
        Assert.False(Manager.EnsureTask("task", "another title"));

        var task = Manager.GetTask("task")!;
        Assert.Equal("Summarise the logs", task.Title);
        Assert.Equal(AgentTaskStatus.Pending, task.Status);
        Assert.Null(Manager.GetTask("unknown"));
    }

    [ConformanceFact]
    public async Task Status_changes_are_stored_and_audited_with_both_names()
    {
        Manager.EnsureTask("task");
        Context.Clock.Advance(TimeSpan.FromSeconds(10));

        var running = Manager.SetTaskStatus("task", AgentTaskStatus.Running);
        Manager.SetTaskStatus("task", AgentTaskStatus.Running);
        var failed = await Manager.SetTaskStatusAsync("task", AgentTaskStatus.Failed);

        Assert.Equal(AgentTaskStatus.Running, running.Status);
        Assert.Equal(Start.AddSeconds(10), running.UpdatedAt);
        Assert.Equal(Start, running.CreatedAt);
        Assert.Equal(AgentTaskStatus.Failed, failed.Status);
        Assert.Equal("failed", Context.Scalar("SELECT status FROM tasks WHERE task_id = 'task'"));
        var changes = Manager.ListAudits("task").Where(a => a.EventType == TaskAuditEvents.StatusChanged).ToList();
        Assert.Equal(2, changes.Count);
        Assert.Equal("""{"from_status":"running","to_status":"failed"}""", changes[1].Payload);
        Assert.Equal(TaskAuditLevel.Error, changes[1].Level);
    }

    [ConformanceFact]
    public void Setting_the_status_of_an_unknown_task_creates_it()
    {
        Manager.SetTaskStatus("new", AgentTaskStatus.Succeeded);

        Assert.Equal(AgentTaskStatus.Succeeded, Manager.GetTask("new")!.Status);
    }

    [ConformanceFact]
    public void Audits_are_appended_in_order_and_listed_newest_last()
    {
        for (var i = 0; i < 5; i++)
        {
            Manager.AppendAudit("task", "tick", Json($$"""{"i":{{i}}}"""), TaskAuditLevel.Debug);
        }

        var last3 = Manager.ListAudits("task", limit: 3);

        Assert.Equal(["""{"i":2}""", """{"i":3}""", """{"i":4}"""], last3.Select(a => a.Payload));
        Assert.True(last3[0].AuditId < last3[1].AuditId && last3[1].AuditId < last3[2].AuditId);
        Assert.All(last3, a => Assert.Equal(TaskAuditLevel.Debug, a.Level));
        Assert.Equal(AgentTaskStatus.Pending, Manager.GetTask("task")!.Status);
        Assert.Throws<ArgumentOutOfRangeException>(() => Manager.ListAudits("task", 0));
    }

    [ConformanceFact]
    public void An_audit_without_payload_stores_null()
    {
        var id = Manager.AppendAudit("task", "note");

        var audit = Assert.Single(Manager.ListAudits("task"));
        Assert.Equal(id, audit.AuditId);
        Assert.Null(audit.Payload);
        Assert.Equal(TaskAuditLevel.Info, audit.Level);
    }
}

public sealed class TaskTests_Sqlite(SqliteProvider provider) : TaskTests<SqliteProvider>(provider);

public sealed class TaskTests_PostgreSql(PostgreSqlProvider provider) : TaskTests<PostgreSqlProvider>(provider);
