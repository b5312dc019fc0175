using System.Globalization;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Evidence;

/// <summary>Reads what one database can tell about a failure into a JSON object, without changing the database.</summary>
internal sealed class DatabaseEvidence(EvidenceOptions options)
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    // The tables whose latest rows go into the evidence, each with the order that makes "latest" exact.
    private static readonly (string Table, string Key, string Order)[] RecentTables =
    [
        ("checkpoints", "recent_checkpoints", "created_at_ms DESC, rowid DESC"),
        ("task_audits", "recent_audits", "audit_id DESC"),
        ("work_items", "recent_work_items", "updated_at_ms DESC, rowid DESC"),
    ];

    public JsonObject Collect(string databasePath, string? taskId)
    {
        var fullPath = Path.GetFullPath(databasePath);
        var evidence = new JsonObject
        {
            ["path"] = fullPath,
            ["files"] = new JsonObject
            {
                ["database_bytes"] = SizeOf(fullPath),
                ["wal_bytes"] = SizeOf(fullPath + "-wal"),
                ["shm_bytes"] = SizeOf(fullPath + "-shm"),
            },
        };

        if (Directory.Exists(fullPath))
        {
            return WithStatus(evidence, "unreadable", "The path is a directory, not a database file.");
        }

        if (!File.Exists(fullPath))
        {
            return WithStatus(evidence, "missing", "The database file does not exist.");
        }

        try
        {
            var access = SqliteReadOnlyConnection.ChooseAccess(fullPath);
            using var connection = OpenReadOnly(fullPath, access);
            // One read transaction: every section describes the same instant, even while a writer goes on.
            using var snapshot = connection.BeginTransaction(deferred: true);
            Scalar(connection, "SELECT count(*) FROM sqlite_schema");
            WithStatus(evidence, "ok", null);

            evidence["sqlite"] = Section(() => ReadSqlite(connection, access));
            evidence["table_counts"] = Section(() => ReadTableCounts(connection));
            foreach (var (table, key, order) in RecentTables)
            {
                evidence[key] = Section(() => ReadRows(connection, table, $"SELECT * FROM {table} ORDER BY {order} LIMIT $limit", ("$limit", options.RecentRowLimit)));
            }

            evidence["idempotency_keys"] = Section(() => new JsonObject
            {
                ["by_status"] = GroupCounts(connection, "status"),
                ["by_kind"] = GroupCounts(connection, "kind"),
            });

            if (taskId is not null)
            {
                evidence["task_history"] = Section(() => ReadTaskHistory(connection, taskId));
            }

            return evidence;
        }
        catch (SqliteException ex)
        {
            // Opening or the first read failed: say what kind of trouble it is and keep the file sizes.
            return WithStatus(evidence, Classify(ex), ex.Message);
        }
    }

    // The one careful read-only open (as the health check's): a closed WAL store is read immutable and a live one with
    // readonly_shm, so that describing a database never leaves -wal or -shm files beside it.
    private SqliteConnection OpenReadOnly(string path, SqliteReadAccess access) =>
        SqliteReadOnlyConnection.Open(path, access, options.LockTimeout);

    private static JsonObject WithStatus(JsonObject evidence, string status, string? error)
    {
        evidence["status"] = status;
        evidence["error"] = error;
        return evidence;
    }

    private static string Classify(SqliteException ex) => ex.SqliteErrorCode switch
    {
        SqliteBusy or SqliteLocked => "locked",
        SqliteCorrupt or SqliteNotADatabase => "corrupt",
        _ => "unreadable",
    };

    private static long? SizeOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : null;
    }

    // A section that fails (an older schema, a damaged page) says why and leaves the others intact.
    private static JsonNode Section(Func<JsonNode> read)
    {
        try
        {
            return read();
        }
        catch (SqliteException ex)
        {
            return new JsonObject { ["error"] = ex.Message };
        }
    }

    private JsonObject ReadSqlite(SqliteConnection connection, SqliteReadAccess access)
    {
        var sqlite = new JsonObject
        {
            ["sqlite_version"] = connection.ServerVersion,
            // An immutable open reports "delete"; it is chosen only for a file whose header says WAL, so say what the file is.
            ["journal_mode"] = access == SqliteReadAccess.Immutable ? "wal" : Convert.ToString(Scalar(connection, "PRAGMA journal_mode"), CultureInfo.InvariantCulture),
            ["page_size"] = Int(Scalar(connection, "PRAGMA page_size")),
            ["page_count"] = Int(Scalar(connection, "PRAGMA page_count")),
            ["freelist_count"] = Int(Scalar(connection, "PRAGMA freelist_count")),
            ["application_id"] = Int(Scalar(connection, "PRAGMA application_id")),
            ["user_version"] = Int(Scalar(connection, "PRAGMA user_version")),
            ["schema_version"] = NewestSchemaVersion(connection),
        };

        // busy_timeout, synchronous and foreign_keys belong to a connection, not the file: report what an SDK connection runs with here.
        Execute(connection, new StoreOptions().ConnectionPragmas());
        var settings = StoreSettings.Read(connection);
        Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)options.LockTimeout.TotalMilliseconds}"));
        sqlite["store_connection"] = new JsonObject
        {
            ["busy_timeout_ms"] = settings.BusyTimeoutMilliseconds,
            ["synchronous"] = settings.Synchronous,
            ["foreign_keys"] = settings.ForeignKeys,
        };
        return sqlite;
    }

    private static string? NewestSchemaVersion(SqliteConnection connection)
    {
        if (Int(Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")) == 0)
        {
            return null;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT major, minor FROM schema_version ORDER BY major DESC, minor DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? new SchemaVersion(reader.GetInt32(0), reader.GetInt32(1)).ToString() : null;
    }

    private static JsonObject ReadTableCounts(SqliteConnection connection)
    {
        var tables = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var counts = new JsonObject();
        foreach (var table in tables)
        {
            // Names come from sqlite_schema; quoting keeps an odd name from breaking the statement.
            counts[table] = Int(Scalar(connection, $"SELECT count(*) FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\""));
        }

        return counts;
    }

    private static JsonObject GroupCounts(SqliteConnection connection, string column)
    {
        using var command = connection.CreateCommand();
        // The column is one of two constants of this class.
        command.CommandText = $"SELECT {column}, count(*) FROM idempotency_keys GROUP BY {column} ORDER BY {column}";
        using var reader = command.ExecuteReader();
        var counts = new JsonObject();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    private JsonObject ReadTaskHistory(SqliteConnection connection, string taskId)
    {
        var task = ReadRows(connection, "tasks", "SELECT * FROM tasks WHERE task_id = $task", ("$task", taskId));
        return new JsonObject
        {
            ["task_id"] = taskId,
            ["task"] = task.Count == 0 ? null : task[0]!.DeepClone(),
            ["audits"] = ReadRows(connection, "task_audits", "SELECT * FROM task_audits WHERE task_id = $task ORDER BY audit_id DESC LIMIT $limit", ("$task", taskId), ("$limit", options.TaskHistoryLimit)),
            ["checkpoints"] = ReadRows(connection, "checkpoints", "SELECT * FROM checkpoints WHERE task_id = $task ORDER BY sequence_number DESC LIMIT $limit", ("$task", taskId), ("$limit", options.TaskHistoryLimit)),
            ["work_items"] = ReadRows(connection, "work_items", "SELECT * FROM work_items WHERE task_id = $task ORDER BY created_at_ms DESC, rowid DESC LIMIT $limit", ("$task", taskId), ("$limit", options.TaskHistoryLimit)),
        };
    }

    private JsonArray ReadRows(SqliteConnection connection, string table, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
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
                    double real => JsonValue.Create(real),
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

    private static long Int(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static object Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() ?? DBNull.Value;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
