using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Evidence;

/// <summary>
/// Dumps what the databases of a failed test or drill can tell (SQLite settings or the server's version and database,
/// row counts, the latest checkpoints, audits and work items, idempotency keys, a task's history) into one JSON file, so
/// that a failure can be understood after the fact. SQLite files are described by path; a store on any provider
/// (PostgreSQL too) through its <see cref="AgentOsStore"/>.
/// </summary>
/// <remarks>
/// Files go to <c>store/artifacts/chaos-failures/&lt;test&gt;-&lt;UTC timestamp&gt;-failure.json</c> by default and are written
/// with <c>AtomicFile</c>. Databases are opened read-only and never changed; a database that is missing, locked or
/// corrupt still yields evidence that says so. Keys are snake_case and always in the same order.
/// </remarks>
public static class FailureEvidence
{
    /// <summary>The value of the <c>format</c> key: changes only when the shape of the file changes.</summary>
    public const string Format = "agentos.failure-evidence/1";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Evidence is read by people: keep non-ASCII text and punctuation readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes the evidence of one database and returns the path of the file.</summary>
    /// <param name="testName">The failed test or drill; used in the file name, made safe (it cannot leave the output folder).</param>
    /// <param name="databasePath">The database to describe; it may be missing, locked or corrupt.</param>
    /// <param name="errorMessage">What failed.</param>
    /// <param name="taskId">A task whose whole history (task row, audits, checkpoints, work items) is included.</param>
    /// <param name="options">Output folder, limits, redaction and clock.</param>
    public static string Dump(string testName, string databasePath, string errorMessage, string? taskId = null, EvidenceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(testName);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(errorMessage);
        options ??= new EvidenceOptions();
        options.Validate();

        var document = Header(testName, errorMessage, options);
        document["task_id"] = taskId;
        document["database"] = new DatabaseEvidence(options).Collect(databasePath, taskId);
        return Write(testName, document, options);
    }

    /// <summary>
    /// Writes the evidence of an open store, on any provider, and returns the path of the file: a SQLite store as
    /// <see cref="Dump(string, string, string, string?, EvidenceOptions?)"/> describes its file; a server store (PostgreSQL)
    /// through one snapshot read on the store's connection, with the server's version and the database's name, named by its
    /// <see cref="AgentOsStore.Location"/> (never a password).
    /// </summary>
    /// <param name="testName">The failed test or drill; used in the file name, made safe (it cannot leave the output folder).</param>
    /// <param name="store">The store to describe; it is only read. A server that cannot be reached yields evidence that says so.</param>
    /// <param name="errorMessage">What failed.</param>
    /// <param name="taskId">A task whose whole history (task row, audits, checkpoints, work items with their leases) is included.</param>
    /// <param name="options">Output folder, limits, redaction and clock.</param>
    public static string Dump(string testName, AgentOsStore store, string errorMessage, string? taskId = null, EvidenceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(testName);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(errorMessage);
        options ??= new EvidenceOptions();
        options.Validate();

        var document = Header(testName, errorMessage, options);
        document["task_id"] = taskId;
        document["database"] = new StoreEvidence(options).Collect(store, taskId);
        return Write(testName, document, options);
    }

    /// <summary>Writes the evidence of several open stores, on any provider, and returns the path of the file; see <see cref="Dump(string, AgentOsStore, string, string?, EvidenceOptions?)"/>.</summary>
    /// <param name="testName">The failed test or drill; used in the file name, made safe.</param>
    /// <param name="stores">The stores to describe, for example every database of a drill on a PostgreSQL server.</param>
    /// <param name="errorMessage">What failed.</param>
    /// <param name="options">Output folder, limits, redaction and clock.</param>
    public static string CollectMultiDatabase(string testName, IEnumerable<AgentOsStore> stores, string errorMessage, EvidenceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(testName);
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(errorMessage);
        options ??= new EvidenceOptions();
        options.Validate();

        var reader = new StoreEvidence(options);
        return CollectMultiDatabase(testName, [.. stores], s => s.Location, s => reader.Collect(s, taskId: null), errorMessage, options);
    }

    /// <summary>Writes the evidence of several databases (the one-database-per-worker layout) and returns the path of the file.</summary>
    /// <param name="testName">The failed test or drill; used in the file name, made safe.</param>
    /// <param name="databasePaths">The databases to describe, for example every <c>worker_*.db</c> of a pool.</param>
    /// <param name="errorMessage">What failed.</param>
    /// <param name="options">Output folder, limits, redaction and clock.</param>
    public static string CollectMultiDatabase(string testName, IEnumerable<string> databasePaths, string errorMessage, EvidenceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(testName);
        ArgumentNullException.ThrowIfNull(databasePaths);
        ArgumentNullException.ThrowIfNull(errorMessage);
        options ??= new EvidenceOptions();
        options.Validate();

        var reader = new DatabaseEvidence(options);
        return CollectMultiDatabase(testName, [.. databasePaths], Path.GetFullPath, p => reader.Collect(p, taskId: null), errorMessage, options);
    }

    private static string CollectMultiDatabase<T>(string testName, List<T> databases, Func<T, string> name, Func<T, JsonObject> collect, string errorMessage, EvidenceOptions options)
    {
        var described = new JsonArray();
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        long checkpoints = 0, workItems = 0;
        foreach (var database in databases.Take(options.MaxDatabases))
        {
            var evidence = collect(database);
            var status = (string)evidence["status"]!;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            checkpoints += CountOf(evidence, "checkpoints");
            workItems += CountOf(evidence, "work_items");
            described.Add((JsonNode)evidence);
        }

        var byStatus = new JsonObject();
        foreach (var (status, count) in statuses)
        {
            byStatus[status] = count;
        }

        var document = Header(testName, errorMessage, options);
        document["summary"] = new JsonObject
        {
            ["database_count"] = databases.Count,
            ["described"] = described.Count,
            ["by_status"] = byStatus,
            ["total_checkpoints"] = checkpoints,
            ["total_work_items"] = workItems,
        };
        document["databases"] = described;
        document["not_described"] = new JsonArray([.. databases.Skip(options.MaxDatabases).Select(d => JsonValue.Create(name(d)))]);
        return Write(testName, document, options);
    }

    /// <summary>Makes a test name safe for a file name: letters, digits, '.', '-' and '_' only, no leading dot, at most 100 characters.</summary>
    internal static string SafeName(string testName)
    {
        var builder = new StringBuilder(testName.Length);
        foreach (var c in testName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : c == '.' ? '.' : '_');
        }

        // ".." and leading dots could name a parent folder or hide the file: collapse them.
        var safe = builder.ToString();
        while (safe.Contains("..", StringComparison.Ordinal))
        {
            safe = safe.Replace("..", "_", StringComparison.Ordinal);
        }

        safe = safe.TrimStart('.');
        if (safe.Length > 100)
        {
            safe = safe[..100];
        }

        return safe.Length == 0 ? "unnamed" : safe;
    }

    private static long CountOf(JsonObject evidence, string table) =>
        evidence["table_counts"] is JsonObject counts && counts[table] is JsonValue value && value.TryGetValue(out long count) ? count : 0;

    private static JsonObject Header(string testName, string errorMessage, EvidenceOptions options) => new()
    {
        ["format"] = Format,
        ["test_name"] = testName,
        ["error_message"] = errorMessage,
        ["collected_at"] = options.TimeProvider.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["environment"] = new JsonObject
        {
            ["os"] = RuntimeInformation.OSDescription,
            ["framework"] = RuntimeInformation.FrameworkDescription,
            ["process_id"] = Environment.ProcessId,
        },
    };

    private static string Write(string testName, JsonObject document, EvidenceOptions options)
    {
        var directory = Path.GetFullPath(options.OutputDirectory);
        var stamp = options.TimeProvider.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var baseName = $"{SafeName(testName)}-{stamp}";

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            document.WriteTo(writer);
        }

        buffer.WriteByte((byte)'\n');
        var bytes = buffer.ToArray();

        // Two dumps in the same millisecond get distinct names instead of replacing each other.
        for (var attempt = 1; ; attempt++)
        {
            var name = attempt == 1 ? $"{baseName}-failure.json" : string.Create(CultureInfo.InvariantCulture, $"{baseName}-{attempt}-failure.json");
            var path = Path.Combine(directory, name);
            if (!Path.GetFullPath(path).StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new ArgumentException($"The test name '{testName}' would leave the evidence folder '{directory}'.", nameof(testName));
            }

            if (File.Exists(path))
            {
                continue;
            }

            // Atomic, with a .ok marker: a run killed while dumping leaves no torn evidence, and the file can be verified later.
            AtomicFile.WriteAllBytes(path, bytes);
            return path;
        }
    }
}
