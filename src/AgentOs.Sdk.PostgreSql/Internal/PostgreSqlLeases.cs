using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>A lease as PostgreSQL granted it: the fencing epoch and the expiry on the store's clock.</summary>
internal sealed record PostgreSqlLease(string WorkItemId, string Holder, long Epoch, int Attempts, int MaxAttempts, string Kind, string? Payload, long ExpiresAtMs);

/// <summary>
/// Leases, the work queue and the recovery sweep on PostgreSQL, each one write transaction through
/// <see cref="PostgreSqlDatabase.WriteAsync"/> (the server's clock, retries on conflicts and lost connections).
/// </summary>
internal sealed class PostgreSqlLeases(PostgreSqlDatabase database, TimeProvider? clock = null)
{
    public Task<bool> EnqueueAsync(string id, string kind, string? payload = null, int maxAttempts = 3, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                await using var command = new NpgsqlCommand(PostgreSqlLeaseSql.Enqueue, connection, transaction);
                command.Parameters.AddWithValue("id", id);
                command.Parameters.AddWithValue("task", DBNull.Value);
                command.Parameters.AddWithValue("kind", kind);
                command.Parameters.AddWithValue("payload", (object?)payload ?? DBNull.Value);
                command.Parameters.AddWithValue("max", maxAttempts);
                command.Parameters.AddWithValue("now", now);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            },
            "enqueue a work item",
            clock: clock, cancellationToken: cancellationToken);

    public Task<PostgreSqlLease?> TryAcquireAsync(string holder, string workItemId, TimeSpan duration, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            (connection, transaction, now, ct) => AcquireAsync(connection, transaction, PostgreSqlLeaseSql.Acquire, holder, now, duration, ("id", workItemId), ct),
            "acquire a lease",
            clock: clock, cancellationToken: cancellationToken);

    public Task<PostgreSqlLease?> TryAcquireNextAsync(string holder, string kind, TimeSpan duration, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async (connection, transaction, now, ct) =>
                await AcquireAsync(connection, transaction, PostgreSqlLeaseSql.AcquireNextPending, holder, now, duration, ("kind", kind), ct).ConfigureAwait(false)
                ?? await AcquireAsync(connection, transaction, PostgreSqlLeaseSql.AcquireNextExpired, holder, now, duration, ("kind", kind), ct).ConfigureAwait(false),
            "acquire the next lease",
            clock: clock, cancellationToken: cancellationToken);

    /// <summary>Extends a held lease; null when it is no longer held (expired, taken over, released).</summary>
    public Task<long?> RenewAsync(PostgreSqlLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                await using var command = new NpgsqlCommand(PostgreSqlLeaseSql.Renew, connection, transaction);
                AddHeld(command, lease, now);
                command.Parameters.AddWithValue("expires", now + (long)duration.TotalMilliseconds);
                return (long?)await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            },
            "renew a lease",
            clock: clock, cancellationToken: cancellationToken);

    /// <summary>Ends a held lease; the status afterwards, or null when it was no longer held (nothing recorded).</summary>
    public Task<string?> ReleaseAsync(PostgreSqlLease lease, bool success, string? output = null, string? error = null, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                await using var command = new NpgsqlCommand(PostgreSqlLeaseSql.Release, connection, transaction);
                AddHeld(command, lease, now);
                command.Parameters.AddWithValue("success", success);
                command.Parameters.AddWithValue("output", (object?)output ?? DBNull.Value);
                command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
                return (string?)await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            },
            "release a lease",
            clock: clock, cancellationToken: cancellationToken);

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction that first checks, and locks, the lease; false (nothing written)
    /// when the lease is no longer held: a zombie's write is refused.
    /// </summary>
    public Task<bool> ExecuteFencedAsync(
        PostgreSqlLease lease, Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        database.WriteAsync(
            async (connection, transaction, now, ct) =>
            {
                await using (var check = new NpgsqlCommand(PostgreSqlLeaseSql.IsCurrent, connection, transaction))
                {
                    AddHeld(check, lease, now);
                    if (await check.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                    {
                        return false;
                    }
                }

                await write(connection, transaction, ct).ConfigureAwait(false);
                return true;
            },
            "write under a lease",
            clock: clock, cancellationToken: cancellationToken);

    /// <summary>Sweeps expired leases in pages of <paramref name="batchSize"/>; returns how many were re-queued and failed.</summary>
    public async Task<(int Requeued, int Failed)> SweepAsync(int batchSize = 1000, CancellationToken cancellationToken = default)
    {
        var requeued = 0;
        var failed = 0;
        while (true)
        {
            var page = await database.WriteAsync(
                async (connection, transaction, now, ct) =>
                {
                    await using var command = new NpgsqlCommand(PostgreSqlLeaseSql.Sweep, connection, transaction);
                    command.Parameters.AddWithValue("now", now);
                    command.Parameters.AddWithValue("limit", batchSize);
                    var statuses = new List<string>();
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            statuses.Add(reader.GetString(1));
                        }
                    }

                    return statuses;
                },
                "sweep expired leases",
                clock: clock, cancellationToken: cancellationToken).ConfigureAwait(false);
            requeued += page.Count(s => s == "pending");
            failed += page.Count(s => s == "failed");
            if (page.Count < batchSize)
            {
                return (requeued, failed);
            }
        }
    }

    private static async Task<PostgreSqlLease?> AcquireAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string holder, long now, TimeSpan duration, (string Name, string Value) key, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("expires", now + (long)duration.TotalMilliseconds);
        command.Parameters.AddWithValue(key.Name, key.Value);
        var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            return new PostgreSqlLease(
                reader.GetString(0), holder, reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetString(4),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7));
        }
    }

    private static void AddHeld(NpgsqlCommand command, PostgreSqlLease lease, long now)
    {
        command.Parameters.AddWithValue("id", lease.WorkItemId);
        command.Parameters.AddWithValue("holder", lease.Holder);
        command.Parameters.AddWithValue("epoch", lease.Epoch);
        command.Parameters.AddWithValue("now", now);
    }
}
