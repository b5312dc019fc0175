using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Checkpoints;

// The task basics checkpoints rely on: the task row, its status, and its audit trail.
public sealed partial class CheckpointManager
{
    /// <summary>Creates the task row if it does not exist (status <see cref="AgentTaskStatus.Pending"/>).</summary>
    /// <returns>True if the row was created, false if it existed (its title is then left as it was).</returns>
    public bool EnsureTask(string taskId, string? title = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return Write("create a task", (connection, transaction) =>
        {
            var command = connection.Command(CheckpointSql.EnsureTask, transaction);
            command.Set("$task", taskId);
            command.Set("$title", (object?)title ?? DBNull.Value);
            command.Set("$now", Now());
            return command.ExecuteNonQuery() == 1;
        }, CancellationToken.None);
    }

    /// <summary>The task row, or null if the task is unknown.</summary>
    public AgentTaskInfo? GetTask(string taskId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return Read("read a task", connection =>
        {
            var command = connection.Command(CheckpointSql.SelectTask);
            command.Set("$task", taskId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadTask(reader) : null;
        });
    }

    /// <summary>
    /// Sets the task's status (creating the row if needed) with a <c>status_changed</c> audit naming the old and new
    /// status, in one transaction. Setting the status it already has changes nothing and writes no audit.
    /// </summary>
    /// <returns>The task after the change.</returns>
    public AgentTaskInfo SetTaskStatus(string taskId, AgentTaskStatus status) => SetStatus(taskId, status, CancellationToken.None);

    /// <summary>Sets the task's status; see <see cref="SetTaskStatus"/>.</summary>
    public Task<AgentTaskInfo> SetTaskStatusAsync(string taskId, AgentTaskStatus status, CancellationToken cancellationToken = default) =>
        Task.Run(() => SetStatus(taskId, status, cancellationToken), cancellationToken);

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
        return Write("append an audit", (connection, transaction) =>
        {
            var now = Now();
            EnsureTask(connection, transaction, taskId, now);
            return Audit(connection, transaction, taskId, eventType, level, text, now);
        }, CancellationToken.None);
    }

    /// <summary>The task's newest <paramref name="limit"/> audit entries, oldest first.</summary>
    public IReadOnlyList<TaskAudit> ListAudits(string taskId, int limit = 50)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Read("list audits", connection =>
        {
            var command = connection.Command(CheckpointSql.SelectAudits);
            command.Set("$task", taskId);
            command.Set("$limit", limit);
            var list = new List<TaskAudit>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                list.Add(new TaskAudit(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    StatusText.ParseLevel(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }

            return list;
        });
    }

    private AgentTaskInfo SetStatus(string taskId, AgentTaskStatus status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        var text = StatusText.Of(status);
        return Write("set a task's status", (connection, transaction) =>
        {
            var now = Now();
            EnsureTask(connection, transaction, taskId, now);
            var select = connection.Command(CheckpointSql.SelectTask, transaction);
            select.Set("$task", taskId);
            AgentTaskInfo before;
            using (var reader = select.ExecuteReader())
            {
                reader.Read();
                before = ReadTask(reader);
            }

            if (before.Status == status)
            {
                return before;
            }

            var update = connection.Command(CheckpointSql.UpdateTaskStatus, transaction);
            update.Set("$task", taskId);
            update.Set("$status", text);
            update.Set("$now", now);
            update.ExecuteNonQuery();
            Audit(connection, transaction, taskId, TaskAuditEvents.StatusChanged, status == AgentTaskStatus.Failed ? TaskAuditLevel.Error : TaskAuditLevel.Info, Payload(new AuditPayload
            {
                FromStatus = before.Status,
                ToStatus = status,
            }), now);
            return before with { Status = status, UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(now) };
        }, cancellationToken);
    }

    private static AgentTaskInfo ReadTask(SqliteDataReader reader) => new(
        reader.GetString(0),
        StatusText.ParseTask(reader.GetString(1)),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
}
