using System.Globalization;
using System.Text.RegularExpressions;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Evidence;

/// <summary>Databases in a known state for the evidence tests, and the scrubbing of values that differ between runs.</summary>
internal static partial class EvidenceFixture
{
    public static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-29T12:00:00Z", CultureInfo.InvariantCulture);

    public static FakeTimeProvider Clock() => new(Now);

    /// <summary>A store with two tasks, checkpoints, audits, work items and idempotency keys, all at fixed times.</summary>
    public static void Seed(string databasePath, int checkpointsPerTask = 3)
    {
        using var store = AgentOsStore.Open(databasePath, new StoreOptions { TimeProvider = Clock() });
        using var connection = (SqliteConnection)store.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var t0 = Now.ToUnixTimeMilliseconds();
        foreach (var task in new[] { "task-a", "task-b" })
        {
            Execute(connection, "INSERT INTO tasks (task_id, status, title, created_at_ms, updated_at_ms) VALUES ($t, 'running', 'demo ' || $t, $now, $now)", ("$t", task), ("$now", t0));
            Execute(connection, "INSERT INTO work_items (work_item_id, task_id, kind, status, payload, created_at_ms, updated_at_ms) VALUES ($id, $t, 'step', 'pending', '{\"step\":1}', $now, $now)", ("$id", "wi-" + task), ("$t", task), ("$now", t0));
            for (var i = 1; i <= checkpointsPerTask; i++)
            {
                Execute(
                    connection,
                    "INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, status, created_at_ms) VALUES ($id, $t, 'step', $seq, $snap, '[{\"type\":\"ArtifactExists\",\"path\":\"out.txt\"}]', 'verified', $at)",
                    ("$id", string.Create(CultureInfo.InvariantCulture, $"cp-{task}-{i:D3}")),
                    ("$t", task),
                    ("$seq", i),
                    ("$snap", string.Create(CultureInfo.InvariantCulture, $"{{\"step\":{i},\"prompt\":\"secret prompt {i}\"}}")),
                    ("$at", t0 + i));
                Execute(connection, "INSERT INTO task_audits (task_id, event_type, payload, created_at_ms) VALUES ($t, 'checkpoint', $p, $at)", ("$t", task), ("$p", string.Create(CultureInfo.InvariantCulture, $"{{\"sequence_number\":{i}}}")), ("$at", t0 + i));
            }
        }

        Execute(connection, "INSERT INTO idempotency_keys (idempotency_key, kind, status, owner, claim_expires_at_ms, result, hit_count, created_at_ms, updated_at_ms) VALUES ('k1', 'llm', 'succeeded', 'w1', NULL, 'answer', 3, $now, $now), ('k2', 'llm', 'pending', 'w2', $now, NULL, 0, $now, $now), ('k3', 'tool', 'failed', 'w1', NULL, NULL, 0, $now, $now)", ("$now", t0));
        transaction.Commit();
    }

    public static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>Replaces the values that differ between machines and runs with placeholders, keeping every key and the nesting.</summary>
    public static string Scrub(string json)
    {
        json = VolatileText().Replace(json, m => $"\"{m.Groups[1].Value}\": \"{{{m.Groups[1].Value}}}\"");
        return VolatileNumber().Replace(json, m => $"\"{m.Groups[1].Value}\": \"{{{m.Groups[1].Value}}}\"");
    }

    [GeneratedRegex("\"(path|os|framework|sqlite_version)\": \"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex VolatileText();

    [GeneratedRegex("\"(process_id|database_bytes|wal_bytes|shm_bytes|page_count|freelist_count)\": (?:\\d+|null)")]
    private static partial Regex VolatileNumber();
}
