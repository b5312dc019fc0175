namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>
/// The lease, work-queue and sweep statements in PostgreSQL's dialect, with the same conditions as the SQLite ones.
/// What differs is how concurrent hosts are kept apart: a candidate row is chosen with <c>FOR UPDATE SKIP LOCKED</c>, so
/// N hosts claiming at once each lock a different row instead of queueing on one, and every <c>UPDATE</c> re-checks the
/// claim conditions (under READ COMMITTED, PostgreSQL re-evaluates them on the newest committed row version).
/// Every time is the transaction's "now" (<c>@now</c>, the server's clock by default: see docs/postgres.md).
/// </summary>
internal static class PostgreSqlLeaseSql
{
    public const string AcquiredColumns = "work_item_id, lease_epoch, attempts, max_attempts, kind, task_id, payload, lease_expires_at_ms";

    private const string TakeLease = """
        UPDATE work_items
        SET status = 'leased', lease_holder = @holder, lease_epoch = lease_epoch + 1, lease_acquired_at_ms = @now,
            lease_expires_at_ms = @expires, heartbeat_at_ms = @now, attempts = attempts + 1, updated_at_ms = @now
        """;

    private const string Claimable = """
        (status = 'pending' OR (status = 'leased' AND lease_expires_at_ms <= @now)) AND attempts < max_attempts
        """;

    /// <summary>Leases one named item if it is pending or its lease expired (taken over with a higher epoch).</summary>
    public const string Acquire = $"""
        {TakeLease}
        WHERE work_item_id = @id AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    /// <summary>The oldest pending item of a kind; rows another host is claiming right now are skipped, not waited for.</summary>
    public const string AcquireNextPending = $"""
        {TakeLease}
        WHERE work_item_id = (
            SELECT work_item_id FROM work_items
            WHERE status = 'pending' AND kind = @kind AND attempts < max_attempts
            ORDER BY created_at_ms
            LIMIT 1
            FOR UPDATE SKIP LOCKED)
          AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    /// <summary>Else the lease of that kind that expired longest ago (a dead worker's), taken over directly.</summary>
    public const string AcquireNextExpired = $"""
        {TakeLease}
        WHERE work_item_id = (
            SELECT work_item_id FROM work_items
            WHERE status = 'leased' AND lease_expires_at_ms <= @now AND kind = @kind AND attempts < max_attempts
            ORDER BY lease_expires_at_ms
            LIMIT 1
            FOR UPDATE SKIP LOCKED)
          AND {Claimable}
        RETURNING {AcquiredColumns}
        """;

    public const string HeldNow = """
        work_item_id = @id AND status = 'leased' AND lease_holder = @holder AND lease_epoch = @epoch AND lease_expires_at_ms > @now
        """;

    public const string Renew = $"""
        UPDATE work_items SET lease_expires_at_ms = @expires, heartbeat_at_ms = @now, updated_at_ms = @now
        WHERE {HeldNow}
        RETURNING lease_expires_at_ms
        """;

    public const string Release = $"""
        UPDATE work_items
        SET status = CASE WHEN @success THEN 'succeeded' WHEN attempts < max_attempts THEN 'pending' ELSE 'failed' END,
            output = @output, error = @error, lease_holder = NULL, lease_expires_at_ms = NULL,
            completed_at_ms = CASE WHEN @success OR attempts >= max_attempts THEN @now END, updated_at_ms = @now
        WHERE {HeldNow}
        RETURNING status
        """;

    /// <summary>
    /// The fence: the row is locked (FOR SHARE) until the caller's transaction ends, so no host can take the item over
    /// between this check and the commit of the write it guards; a takeover waits, then sees the new row.
    /// </summary>
    public const string IsCurrent = $"SELECT 1 FROM work_items WHERE {HeldNow} FOR SHARE";

    /// <summary>
    /// One page of the recovery sweep: expired leases, oldest first; rows another sweeper (or a takeover) holds are skipped,
    /// so several hosts sweeping at once split the work instead of blocking or double-counting.
    /// </summary>
    public const string Sweep = """
        UPDATE work_items AS w
        SET status = CASE WHEN w.attempts >= w.max_attempts THEN 'failed' ELSE 'pending' END,
            error = format(
                'The lease of worker ''%s'' (epoch %s) expired on attempt %s of %s; %s',
                w.lease_holder, w.lease_epoch, w.attempts, w.max_attempts,
                CASE WHEN w.attempts >= w.max_attempts THEN 'no attempts left, the item failed.' ELSE 're-queued by the recovery sweep.' END),
            lease_holder = NULL,
            lease_expires_at_ms = NULL,
            completed_at_ms = CASE WHEN w.attempts >= w.max_attempts THEN @now END,
            updated_at_ms = @now
        FROM (
            SELECT work_item_id FROM work_items
            WHERE status = 'leased' AND lease_expires_at_ms <= @now
            ORDER BY lease_expires_at_ms, work_item_id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED) AS expired
        WHERE w.work_item_id = expired.work_item_id AND w.status = 'leased' AND w.lease_expires_at_ms <= @now
        RETURNING w.work_item_id, w.status
        """;

    public const string Enqueue = """
        INSERT INTO work_items (work_item_id, task_id, kind, status, payload, max_attempts, created_at_ms, updated_at_ms)
        VALUES (@id, @task, @kind, 'pending', @payload, @max, @now, @now)
        ON CONFLICT (work_item_id) DO NOTHING
        """;
}
