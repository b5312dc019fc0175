using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentOs.Sdk.Evidence;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Evidence;

/// <summary>
/// Failure evidence of an open store on each provider (<see cref="FailureEvidence.Dump(string, AgentOsStore, string, string?, EvidenceOptions?)"/>):
/// the schema version, row counts, the latest rows, a task's history with its leases, redaction and bounds, read without
/// changing anything. What only a SQLite file shows (its -wal/-shm files, a corrupt or locked file, the exact shape of its
/// settings) stays in <see cref="FailureEvidenceTests"/>; what only a server shows, in <c>PostgreSql/PostgreSqlEvidenceTests</c>.
/// </summary>
public abstract class StoreEvidenceTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private readonly TempDirectory _temp = new("agentos-store-evidence-");

    protected override Task DisposeTestAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public async Task Evidence_of_a_store_has_its_schema_version_counts_latest_rows_and_the_tasks_history_with_its_leases()
    {
        await SeedAsync(Database, checkpointsPerTask: 3);

        var database = Read(FailureEvidence.Dump("Scenario1_Kill9Recovery", Database.Open(), "last checkpoint did not verify", taskId: "task-a", Options()));

        Assert.Equal("ok", database.GetProperty("status").GetString());
        Assert.Equal(StoreSchema.CurrentVersion.ToString(), database.GetProperty(Database.Choose("sqlite", "server")).GetProperty("schema_version").GetString());
        var counts = database.GetProperty("table_counts");
        foreach (var (table, count) in new[] { ("tasks", 2L), ("checkpoints", 6L), ("task_audits", 6L), ("work_items", 2L), ("idempotency_keys", 3L) })
        {
            Assert.Equal(count, counts.GetProperty(table).GetInt64());
        }

        // Newest first; checkpoints of the same instant by id, the same on every provider.
        var recent = database.GetProperty("recent_checkpoints");
        Assert.Equal(["cp-task-b-003", "cp-task-a-003", "cp-task-b-002"], recent.EnumerateArray().Take(3).Select(c => c.GetProperty("checkpoint_id").GetString()));
        Assert.Equal(3, recent[0].GetProperty("sequence_number").GetInt64());
        Assert.Equal(6, database.GetProperty("recent_audits").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, recent[0].GetProperty("work_item_id").ValueKind);

        var keys = database.GetProperty("idempotency_keys");
        Assert.Equal(["failed=1", "pending=1", "succeeded=1"], keys.GetProperty("by_status").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetInt64()}"));
        Assert.Equal(["llm=2", "tool=1"], keys.GetProperty("by_kind").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetInt64()}"));

        var history = database.GetProperty("task_history");
        Assert.Equal("task-a", history.GetProperty("task").GetProperty("task_id").GetString());
        Assert.Equal([3L, 2L, 1L], history.GetProperty("checkpoints").EnumerateArray().Select(c => c.GetProperty("sequence_number").GetInt64()));
        Assert.Equal(3, history.GetProperty("audits").GetArrayLength());
        // The task's lease: who holds it, under which epoch, until when.
        var lease = Assert.Single(history.GetProperty("work_items").EnumerateArray());
        Assert.Equal("w1", lease.GetProperty("lease_holder").GetString());
        Assert.Equal(3, lease.GetProperty("lease_epoch").GetInt64());
        Assert.Equal(EvidenceFixture.Now.ToUnixTimeMilliseconds() + 10_000, lease.GetProperty("lease_expires_at_ms").GetInt64());
    }

    [ConformanceFact]
    public async Task Only_the_latest_rows_are_kept_so_the_file_stays_bounded()
    {
        await SeedAsync(Database, checkpointsPerTask: 60);

        var database = Read(FailureEvidence.Dump("t", Database.Open(), "e", options: Options()));

        Assert.Equal(120, database.GetProperty("table_counts").GetProperty("checkpoints").GetInt64());
        var recent = database.GetProperty("recent_checkpoints");
        Assert.Equal(50, recent.GetArrayLength());
        Assert.Equal("cp-task-b-060", recent[0].GetProperty("checkpoint_id").GetString());
        Assert.Equal(50, database.GetProperty("recent_audits").GetArrayLength());
    }

    [ConformanceFact]
    public async Task Snapshot_data_can_be_redacted_and_long_values_are_cut()
    {
        await SeedAsync(Database, checkpointsPerTask: 3);
        var options = Options();
        options.RedactedColumns.Add("snapshot");
        options.Redact = (table, column, value) => column == "payload" ? value.Replace("step", "s***", StringComparison.Ordinal) : value;
        options.MaxValueLength = 16;

        var text = File.ReadAllText(FailureEvidence.Dump("t", Database.Open(), "e", "task-a", options));

        Assert.DoesNotContain("secret prompt", text, StringComparison.Ordinal);
        Assert.Contains("\"snapshot\": \"[redacted]\"", text, StringComparison.Ordinal);
        Assert.Contains("s***", text, StringComparison.Ordinal);
        Assert.Contains("…[cut ", text, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task The_evidence_names_the_store_as_its_errors_do()
    {
        await SeedAsync(Database, checkpointsPerTask: 1);

        var database = Read(FailureEvidence.Dump("t", Database.Open(), "e", options: Options()));

        Assert.Equal(Database.Location, database.GetProperty(Database.Choose("path", "location")).GetString());
    }

    [ConformanceFact]
    public async Task Describing_a_store_changes_nothing_in_it()
    {
        await SeedAsync(Database, checkpointsPerTask: 3);
        var before = await ContentAsync();

        FailureEvidence.Dump("t", Database.Open(), "e", "task-a", Options());

        Assert.Equal(before, await ContentAsync());
    }

    [ConformanceFact]
    public async Task Several_stores_are_described_in_one_file_with_a_summary()
    {
        await SeedAsync(Database, checkpointsPerTask: 2);
        await using var other = await Provider.CreateAsync("evidence-other");
        await SeedAsync(other, checkpointsPerTask: 1);

        using var document = JsonDocument.Parse(File.ReadAllText(FailureEvidence.CollectMultiDatabase("t", [Database.Open(), other.Open()], "e", Options())));

        var summary = document.RootElement.GetProperty("summary");
        Assert.Equal(2, summary.GetProperty("database_count").GetInt32());
        Assert.Equal(2, summary.GetProperty("by_status").GetProperty("ok").GetInt32());
        Assert.Equal(6, summary.GetProperty("total_checkpoints").GetInt64());
        Assert.Equal(4, summary.GetProperty("total_work_items").GetInt64());
        Assert.Equal(
            [Database.Location, other.Location],
            document.RootElement.GetProperty("databases").EnumerateArray().Select(d => d.GetProperty(Database.Choose("path", "location")).GetString()));
    }

    /// <summary>
    /// Two tasks with checkpoints, audits, work items (one of them leased) and idempotency keys, all at fixed times, written
    /// with portable SQL on an admin connection (as <see cref="EvidenceFixture.Seed"/> writes a SQLite file).
    /// </summary>
    internal static Task SeedAsync(StoreUnderTest database, int checkpointsPerTask)
    {
        var t0 = EvidenceFixture.Now.ToUnixTimeMilliseconds();
        var sql = new StringBuilder();
        foreach (var task in new[] { "task-a", "task-b" })
        {
            sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO tasks (task_id, status, title, created_at_ms, updated_at_ms) VALUES ('{task}', 'running', 'demo {task}', {t0}, {t0});\n");
            if (task == "task-a")
            {
                sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO work_items (work_item_id, task_id, kind, status, payload, lease_holder, lease_epoch, lease_acquired_at_ms, lease_expires_at_ms, created_at_ms, updated_at_ms) VALUES ('wi-{task}', '{task}', 'step', 'leased', '{{\"step\":1}}', 'w1', 3, {t0}, {t0 + 10_000}, {t0}, {t0});\n");
            }
            else
            {
                sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO work_items (work_item_id, task_id, kind, status, payload, created_at_ms, updated_at_ms) VALUES ('wi-{task}', '{task}', 'step', 'pending', '{{\"step\":1}}', {t0}, {t0});\n");
            }
            for (var i = 1; i <= checkpointsPerTask; i++)
            {
                sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, status, created_at_ms) VALUES ('cp-{task}-{i:D3}', '{task}', 'step', {i}, '{{\"step\":{i},\"prompt\":\"secret prompt {i}\"}}', '[{{\"type\":\"ArtifactExists\",\"path\":\"out.txt\"}}]', 'verified', {t0 + i});\n");
                sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO task_audits (task_id, event_type, payload, created_at_ms) VALUES ('{task}', 'checkpoint', '{{\"sequence_number\":{i}}}', {t0 + i});\n");
            }
        }

        sql.Append(CultureInfo.InvariantCulture, $"INSERT INTO idempotency_keys (idempotency_key, kind, status, owner, claim_expires_at_ms, result, hit_count, created_at_ms, updated_at_ms) VALUES ('k1', 'llm', 'succeeded', 'w1', NULL, 'answer', 3, {t0}, {t0}), ('k2', 'llm', 'pending', 'w2', {t0}, NULL, 0, {t0}, {t0}), ('k3', 'tool', 'failed', 'w1', NULL, NULL, 0, {t0}, {t0});\n");
        return database.ExecuteAsync(sql.ToString());
    }

    private EvidenceOptions Options() => new() { OutputDirectory = _temp.Combine("evidence"), TimeProvider = EvidenceFixture.Clock() };

    private static JsonElement Read(string evidencePath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(evidencePath));
        return document.RootElement.GetProperty("database").Clone();
    }

    // Every row of every table that the evidence reads, as text: equal before and after means nothing was written.
    private async Task<string> ContentAsync()
    {
        var parts = new List<string?>();
        foreach (var query in new[]
        {
            "SELECT task_id || '|' || status || '|' || updated_at_ms FROM tasks ORDER BY task_id",
            "SELECT checkpoint_id || '|' || status || '|' || created_at_ms FROM checkpoints ORDER BY checkpoint_id",
            "SELECT audit_id || '|' || event_type FROM task_audits ORDER BY audit_id",
            "SELECT work_item_id || '|' || status || '|' || updated_at_ms FROM work_items ORDER BY work_item_id",
            "SELECT idempotency_key || '|' || status || '|' || hit_count FROM idempotency_keys ORDER BY idempotency_key",
            "SELECT version FROM schema_version ORDER BY version",
        })
        {
            parts.AddRange(await Database.ColumnAsync(query));
        }

        return string.Join("\n", parts);
    }
}

public sealed class StoreEvidenceTests_Sqlite(SqliteProvider provider) : StoreEvidenceTests<SqliteProvider>(provider);

public sealed class StoreEvidenceTests_PostgreSql(PostgreSqlProvider provider) : StoreEvidenceTests<PostgreSqlProvider>(provider);
