using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// The statements of the checkpoint system, in the portable SQL every provider runs (parameters as <c>@name</c>).
/// Every value is a parameter; no statement is built from input.
/// </summary>
internal static class CheckpointSql
{
    public const string Columns = """
        checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, work_item_id, metadata, evidence,
        created_at_ms, status, verified_at_ms, verification_error
        """;

    // The task row is created in the same transaction as its first checkpoint or audit: no orphan and no separate call.
    // On a server, a concurrent creator of the same task waits here until this transaction ends, then does nothing.
    public const string EnsureTask = """
        INSERT INTO tasks (task_id, status, title, created_at_ms, updated_at_ms)
        VALUES (@task, 'pending', @title, @now, @now)
        ON CONFLICT (task_id) DO NOTHING
        """;

    // Where writers run side by side (PostgreSQL), every write that numbers or renumbers a task's checkpoints first locks
    // the task row: writers of one task queue here, writers of other tasks do not wait. SQLite ignores the marker: its
    // write transaction already holds the whole database.
    public const string LockTask = "SELECT 1 FROM tasks WHERE task_id = @task " + StoreDialect.LockRows;

    // The sequence number is read and used in one statement, inside a write transaction that holds the task (SQLite: the
    // database; PostgreSQL: the task row, see LockTask), so no other writer can run between the MAX and the INSERT (the
    // peer read MAX outside the transaction); UNIQUE(task_id, sequence_number) turns any mistake into an error, and the
    // manager's retry policy runs the transaction again on it, instead of a duplicate.
    public const string InsertCheckpoint = """
        INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, work_item_id, snapshot, evidence,
                                 metadata, status, verified_at_ms, verification_error, created_at_ms)
        VALUES (@id, @task, @type,
                (SELECT COALESCE(MAX(sequence_number), 0) + 1 FROM checkpoints WHERE task_id = @task),
                @work_item, @snapshot, @evidence, @metadata, @status, @verified_at, @error, @now)
        RETURNING sequence_number, created_at_ms
        """;

    // Where writers run side by side, the task is held by the same round trip that numbers the checkpoint: the lock, then
    // the INSERT, which reads MAX only once the lock is granted (each statement sees what committed before it began). A
    // task this manager has not written yet gets its row first. The lock's own result (one row) is skipped.
    public const string LockTaskThenInsertCheckpoint = LockTask + ";\n" + InsertCheckpoint;

    public const string EnsureAndLockTaskThenInsertCheckpoint = EnsureTask + ";\n" + LockTask + ";\n" + InsertCheckpoint;

    public const string InsertAudit = """
        INSERT INTO task_audits (task_id, event_type, level, payload, created_at_ms)
        VALUES (@task, @event, @level, @payload, @now)
        RETURNING audit_id
        """;

    // Only a pending step can be committed: a rollback, an abandon or a prune in between makes this change nothing.
    public const string CommitStep = """
        UPDATE checkpoints
        SET snapshot = @snapshot, evidence = @evidence, status = @status, verified_at_ms = @verified_at, verification_error = @error
        WHERE checkpoint_id = @id AND status = 'pending'
        """;

    public const string AbandonStep = """
        UPDATE checkpoints SET status = 'failed', verification_error = @error
        WHERE checkpoint_id = @id AND status = 'pending'
        """;

    public const string AbandonPendingSteps = """
        UPDATE checkpoints SET status = 'failed', verification_error = @error
        WHERE task_id = @task AND status = 'pending'
        RETURNING checkpoint_id, sequence_number, checkpoint_type
        """;

    // Re-verification never resurrects a pending or superseded checkpoint.
    public const string RecordVerification = """
        UPDATE checkpoints SET status = @status, verified_at_ms = @verified_at, verification_error = @error
        WHERE checkpoint_id = @id AND status IN ('verified', 'failed')
        """;

    public const string MarkVerifiedAsFailed = """
        UPDATE checkpoints SET status = 'failed', verified_at_ms = @verified_at, verification_error = @error
        WHERE checkpoint_id = @id AND status = 'verified'
        """;

    public const string StatusOf = "SELECT status FROM checkpoints WHERE checkpoint_id = @id";

    // The rollback's re-read: the target must stay verified until the rollback commits.
    public const string StatusOfLocked = "SELECT status FROM checkpoints WHERE checkpoint_id = @id " + StoreDialect.LockRows;

    public const string SelectById = "SELECT " + Columns + " FROM checkpoints WHERE checkpoint_id = @id";

    public const string SelectBySequence = "SELECT " + Columns + " FROM checkpoints WHERE task_id = @task AND sequence_number = @sequence";

    // One seek on the partial index ix_checkpoints_last_verified (task_id, sequence_number DESC) WHERE status = 'verified'.
    public const string SelectLastVerified = "SELECT " + Columns + """
         FROM checkpoints WHERE task_id = @task AND status = 'verified'
        ORDER BY sequence_number DESC LIMIT 1
        """;

    public const string SelectByTask = "SELECT " + Columns + " FROM checkpoints WHERE task_id = @task ORDER BY sequence_number";

    public const string SelectByTaskAndStatus = "SELECT " + Columns + """
         FROM checkpoints WHERE task_id = @task AND status = @status ORDER BY sequence_number
        """;

    public const string SupersedeAfter = """
        UPDATE checkpoints SET status = 'superseded'
        WHERE task_id = @task AND sequence_number > @sequence AND status <> 'superseded'
        """;

    // Deletes what is outside the kept window, except: pending steps (in flight, or the visible trace of a crash),
    // the resume point found by re-checking evidence (@keep_id), the newest checkpoint flagged verified (one may have
    // been committed since), and the task's highest sequence number (so that numbers are never handed out twice).
    // The window is the newest @keep_last checkpoints that a rollback has not superseded; superseded ones outside it go first.
    public const string Prune = """
        DELETE FROM checkpoints
        WHERE task_id = @task
          AND status <> 'pending'
          AND checkpoint_id IS DISTINCT FROM @keep_id
          AND sequence_number <> (SELECT MAX(sequence_number) FROM checkpoints WHERE task_id = @task)
          AND sequence_number IS DISTINCT FROM (SELECT MAX(sequence_number) FROM checkpoints WHERE task_id = @task AND status = 'verified')
          AND (status = 'superseded'
               OR sequence_number < (SELECT sequence_number FROM checkpoints
                                     WHERE task_id = @task AND status <> 'superseded'
                                     ORDER BY sequence_number DESC LIMIT 1 OFFSET @keep_last - 1))
        """;

    public const string SelectTask = "SELECT task_id, status, title, created_at_ms, updated_at_ms FROM tasks WHERE task_id = @task";

    public const string UpdateTaskStatus = "UPDATE tasks SET status = @status, updated_at_ms = @now WHERE task_id = @task";

    public const string SelectAudits = """
        SELECT audit_id, task_id, event_type, level, payload, created_at_ms FROM (
            SELECT audit_id, task_id, event_type, level, payload, created_at_ms FROM task_audits
            WHERE task_id = @task ORDER BY audit_id DESC LIMIT @limit
        ) AS newest ORDER BY audit_id
        """;
}
