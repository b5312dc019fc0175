using System.Data.Common;
using System.Text.Json;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Checkpoints;

// The task basics checkpoints rely on: the task row, its status, and its audit trail.
public sealed partial class CheckpointManager
{
    /// <summary>Creates the task row if it does not exist (status <see cref="AgentTaskStatus.Pending"/>).</summary>
    /// <returns>True if the row was created, false if it existed (its title is then left as it was).</returns>
    public bool EnsureTask(string taskId, string? title = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        var created = Sync(WriteAsync("create a task", async: false, tx => EnsureTaskAsync(tx, taskId, title), CancellationToken.None));
        RememberTask(taskId);
        return created;
    }

    /// <summary>The task row, or null if the task is unknown.</summary>
    public AgentTaskInfo? GetTask(string taskId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return Sync(ReadAsync("read a task", async: false, tx => ReadTaskAsync(tx, taskId), CancellationToken.None));
    }

    /// <summary>
    /// Sets the task's status (creating the row if needed) with a <c>status_changed</c> audit naming the old and new
    /// status, in one transaction. Setting the status it already has changes nothing and writes no audit.
    /// </summary>
    /// <returns>The task after the change.</returns>
    public AgentTaskInfo SetTaskStatus(string taskId, AgentTaskStatus status) => Sync(SetStatusAsync(taskId, status, async: false, CancellationToken.None));

    /// <summary>Sets the task's status; see <see cref="SetTaskStatus"/>.</summary>
    public Task<AgentTaskInfo> SetTaskStatusAsync(string taskId, AgentTaskStatus status, CancellationToken cancellationToken = default) =>
        SetStatusAsync(taskId, status, async: true, cancellationToken).AsTask();

    /// <summary>Appends an entry to the task's audit trail (creating the task row if needed).</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="eventType">What happened, in snake_case by convention.</param>
    /// <param name="payload">Details (any JSON value), or null.</param>
    /// <param name="level">How serious it is.</param>
    /// <returns>The entry's id.</returns>
    public long AppendAudit(string taskId, string eventType, JsonElement? payload = null, TaskAuditLevel level = TaskAuditLevel.Info)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventType);
        var text = payload is { } value ? SnapshotText(value) : null;
        // Validate the level now, not inside the transaction.
        StatusText.Of(level);
        return Sync(WriteToTaskAsync("append an audit", taskId, workItemId: null, async: false, tx => AuditAsync(tx, taskId, eventType, level, text), CancellationToken.None));
    }

    /// <summary>The task's newest <paramref name="limit"/> audit entries, oldest first.</summary>
    public IReadOnlyList<TaskAudit> ListAudits(string taskId, int limit = 50)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Sync(ReadAsync<IReadOnlyList<TaskAudit>>("list audits", async: false, async tx =>
        {
            var command = tx.Command(CheckpointSql.SelectAudits);
            command.SetParameter("@task", taskId);
            command.SetParameter("@limit", limit);
            var list = new List<TaskAudit>();
            var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await tx.ReadAsync(reader).ConfigureAwait(false))
                {
                    list.Add(new TaskAudit(
                        reader.GetInt64(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        StatusText.ParseLevel(reader.GetString(3)),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
                }
            }

            return list;
        }, CancellationToken.None));
    }

    private async ValueTask<AgentTaskInfo> SetStatusAsync(string taskId, AgentTaskStatus status, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        var text = StatusText.Of(status);
        // The task is held (row locked on PostgreSQL): the status read as "from" is still the status when the new one is written.
        return await WriteToTaskAsync("set a task's status", taskId, workItemId: null, async, async tx =>
        {
            var now = tx.UtcNowMilliseconds;
            var before = await ReadTaskAsync(tx, taskId).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The row of task '{taskId}' vanished inside its own write transaction on '{_store.Location}'.");
            if (before.Status == status)
            {
                return before;
            }

            var update = tx.Command(CheckpointSql.UpdateTaskStatus);
            update.SetParameter("@task", taskId);
            update.SetParameter("@status", text);
            update.SetParameter("@now", now);
            await tx.ExecuteAsync(update).ConfigureAwait(false);
            await AuditAsync(tx, taskId, TaskAuditEvents.StatusChanged, status == AgentTaskStatus.Failed ? TaskAuditLevel.Error : TaskAuditLevel.Info, Payload(new AuditPayload
            {
                FromStatus = before.Status,
                ToStatus = status,
            })).ConfigureAwait(false);
            return before with { Status = status, UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(now) };
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<AgentTaskInfo?> ReadTaskAsync(StoreTransaction tx, string taskId)
    {
        var command = tx.Command(CheckpointSql.SelectTask);
        command.SetParameter("@task", taskId);
        var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await tx.ReadAsync(reader).ConfigureAwait(false) ? ReadTask(reader) : null;
        }
    }

    private static AgentTaskInfo ReadTask(DbDataReader reader) => new(
        reader.GetString(0),
        StatusText.ParseTask(reader.GetString(1)),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
}
