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

            var reader = new EvidenceReader(options, connection, snapshot);
            evidence["sqlite"] = reader.Section(() => ReadSqlite(connection, access, reader));
            // Every table of the file, not only the store's: a file of another application or an older schema shows what it has.
            reader.AddSections(evidence, Tables(connection), taskId);
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

    private JsonObject ReadSqlite(SqliteConnection connection, SqliteReadAccess access, EvidenceReader reader)
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
            ["schema_version"] = HasSchemaVersion(connection) ? reader.NewestSchemaVersion() : null,
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

    private static bool HasSchemaVersion(SqliteConnection connection) =>
        Int(Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")) != 0;

    private static List<string> Tables(SqliteConnection connection)
    {
        var tables = new List<string>();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
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
