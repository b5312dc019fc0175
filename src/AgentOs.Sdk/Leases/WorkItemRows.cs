using System.Data.Common;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Leases;

/// <summary>Reads <c>work_items</c> rows into <see cref="WorkItem"/> snapshots.</summary>
internal static class WorkItemRows
{
    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Columns = """
        work_item_id, task_id, kind, status, payload, output, error, lease_holder, lease_epoch, lease_acquired_at_ms,
        lease_expires_at_ms, heartbeat_at_ms, attempts, max_attempts, created_at_ms, updated_at_ms, completed_at_ms
        """;

    private const string FindSql = $"SELECT {Columns} FROM work_items WHERE work_item_id = @id";

    public static WorkItem Read(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        TaskId = NullableString(reader, 1),
        Kind = reader.GetString(2),
        Status = WorkItemStatusNames.Parse(reader.GetString(3)),
        Payload = NullableString(reader, 4),
        Output = NullableString(reader, 5),
        Error = NullableString(reader, 6),
        LeaseHolder = NullableString(reader, 7),
        LeaseEpoch = reader.GetInt64(8),
        LeaseAcquiredAt = NullableTime(reader, 9),
        LeaseExpiresAt = NullableTime(reader, 10),
        HeartbeatAt = NullableTime(reader, 11),
        Attempts = reader.GetInt32(12),
        MaxAttempts = reader.GetInt32(13),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(15)),
        CompletedAt = NullableTime(reader, 16),
    };

    public static async ValueTask<WorkItem?> FindAsync(StoreTransaction transaction, string workItemId)
    {
        var command = transaction.Command(FindSql).SetParameter("@id", workItemId);
        var reader = await transaction.ReaderAsync(command).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await transaction.ReadAsync(reader).ConfigureAwait(false) ? Read(reader) : null;
        }
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
