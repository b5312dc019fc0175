using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Evidence;

/// <summary>
/// Reads the sections of failure evidence that every provider has (row counts, the latest checkpoints, audits and work
/// items, idempotency keys by status and kind, one task's whole history, the schema version) through plain ADO.NET with
/// portable SQL, on one connection and, where given, inside one transaction: a SQLite file opened read-only, or a server
/// store's unit of work. Values are redacted and cut as <see cref="EvidenceOptions"/> say.
/// </summary>
internal sealed class EvidenceReader(EvidenceOptions options, DbConnection connection, DbTransaction? transaction)
{
    /// <summary>The store's own tables, as every provider's migrations create them.</summary>
    public static readonly IReadOnlyList<string> StoreTables = ["checkpoints", "idempotency_keys", "schema_version", "task_audits", "tasks", "work_items"];

    // The tables whose latest rows go into the evidence, each with the order that makes "latest" exact (ties broken by the key).
    private static readonly (string Table, string Key, string Order)[] RecentTables =
    [
        ("checkpoints", "recent_checkpoints", "created_at_ms DESC, checkpoint_id DESC"),
        ("task_audits", "recent_audits", "audit_id DESC"),
        ("work_items", "recent_work_items", "updated_at_ms DESC, work_item_id DESC"),
    ];

    private int _sections;

    /// <summary>Adds the sections every provider has to <paramref name="evidence"/>, each on its own so that one that fails says why and leaves the rest.</summary>
    public void AddSections(JsonObject evidence, IReadOnlyList<string> tables, string? taskId)
    {
        evidence["table_counts"] = Section(() => ReadTableCounts(tables));
        foreach (var (table, key, order) in RecentTables)
        {
            evidence[key] = Section(() => ReadRows(table, $"SELECT * FROM {table} ORDER BY {order} LIMIT @limit", ("@limit", options.RecentRowLimit)));
        }

        evidence["idempotency_keys"] = Section(() => new JsonObject
        {
            ["by_status"] = GroupCounts("status"),
            ["by_kind"] = GroupCounts("kind"),
        });

        if (taskId is not null)
        {
            evidence["task_history"] = Section(() => ReadTaskHistory(taskId));
        }
    }

    /// <summary>The newest schema version recorded, or null when the database has no <c>schema_version</c> row.</summary>
    public string? NewestSchemaVersion()
    {
        using var command = Command(SchemaMigrator.NewestAppliedSql);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new SchemaVersion(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture)).ToString() : null;
    }

    /// <summary>
    /// Runs <paramref name="read"/>; a database error becomes <c>{"error": ...}</c> in its place. Inside a transaction the
    /// section runs under a savepoint, so that a server which aborts a transaction on an error (PostgreSQL) still answers
    /// the sections after it.
    /// </summary>
    public JsonNode Section(Func<JsonNode> read)
    {
        var savepoint = transaction is { SupportsSavepoints: true } ? string.Create(CultureInfo.InvariantCulture, $"evidence_{++_sections}") : null;
        if (savepoint is not null)
        {
            transaction!.Save(savepoint);
        }

        try
        {
            var node = read();
            if (savepoint is not null)
            {
                transaction!.Release(savepoint);
            }

            return node;
        }
        catch (DbException ex)
        {
            if (savepoint is not null)
            {
                transaction!.Rollback(savepoint);
            }

            return new JsonObject { ["error"] = ex.Message };
        }
    }

    /// <summary>Counts the rows of each of <paramref name="tables"/> (names from the schema or this class, quoted).</summary>
    public JsonObject ReadTableCounts(IEnumerable<string> tables)
    {
        var counts = new JsonObject();
        foreach (var table in tables)
        {
            using var command = Command($"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
            counts[table] = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private JsonObject GroupCounts(string column)
    {
        // The column is one of two constants of this class.
        using var command = Command($"SELECT {column}, count(*) FROM idempotency_keys GROUP BY {column} ORDER BY {column}");
        using var reader = command.ExecuteReader();
        var counts = new JsonObject();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private JsonObject ReadTaskHistory(string taskId)
    {
        var task = ReadRows("tasks", "SELECT * FROM tasks WHERE task_id = @task", ("@task", taskId));
        return new JsonObject
        {
            ["task_id"] = taskId,
            ["task"] = task.Count == 0 ? null : task[0]!.DeepClone(),
            ["audits"] = ReadRows("task_audits", "SELECT * FROM task_audits WHERE task_id = @task ORDER BY audit_id DESC LIMIT @limit", ("@task", taskId), ("@limit", options.TaskHistoryLimit)),
            ["checkpoints"] = ReadRows("checkpoints", "SELECT * FROM checkpoints WHERE task_id = @task ORDER BY sequence_number DESC LIMIT @limit", ("@task", taskId), ("@limit", options.TaskHistoryLimit)),
            // The task's work items carry its leases: holder, epoch and expiry.
            ["work_items"] = ReadRows("work_items", "SELECT * FROM work_items WHERE task_id = @task ORDER BY created_at_ms DESC, work_item_id DESC LIMIT @limit", ("@task", taskId), ("@limit", options.TaskHistoryLimit)),
        };
    }

    private JsonArray ReadRows(string table, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.SetParameter(name, value);
        }

        using var reader = command.ExecuteReader();
        var rows = new JsonArray();
        while (reader.Read())
        {
            var row = new JsonObject();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var column = reader.GetName(i);
                row[column] = reader.IsDBNull(i) ? null : reader.GetValue(i) switch
                {
                    long number => JsonValue.Create(number),
                    int number => JsonValue.Create((long)number),
                    short number => JsonValue.Create((long)number),
                    double real => JsonValue.Create(real),
                    bool flag => JsonValue.Create(flag),
                    byte[] blob => JsonValue.Create(string.Create(CultureInfo.InvariantCulture, $"[blob {blob.Length} bytes]")),
                    var other => JsonValue.Create(Redact(table, column, Convert.ToString(other, CultureInfo.InvariantCulture) ?? string.Empty)),
                };
            }

            rows.Add((JsonNode)row);
        }

        return rows;
    }

    private string? Redact(string table, string column, string value)
    {
        if (options.RedactedColumns.Contains(column))
        {
            return "[redacted]";
        }

        var redacted = options.Redact is null ? value : options.Redact(table, column, value);
        if (redacted is null || redacted.Length <= options.MaxValueLength)
        {
            return redacted;
        }

        // Bounded size: a long prompt or snapshot is cut, and the cut says how much is missing.
        return string.Create(CultureInfo.InvariantCulture, $"{redacted[..options.MaxValueLength]}…[cut {redacted.Length - options.MaxValueLength} chars]");
    }

    private DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }
}
