using System.Security.Cryptography;
using System.Text.Json;
using AgentOs.Sdk.Evidence;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Snapshooter.Xunit;

namespace AgentOs.Sdk.Tests.Evidence;

/// <summary>
/// Failure evidence of SQLite files by path: SQLite only, not in the conformance suite, because each test is about a file
/// (the exact shape of its settings and sizes, -wal/-shm files left beside a closed store, its bytes unchanged, a missing,
/// corrupt or locked file, a file of an older schema) or about the file name of the evidence. Evidence of an open store on
/// either provider is <see cref="StoreEvidenceTests{TProvider}"/>.
/// </summary>
public sealed class FailureEvidenceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private EvidenceOptions Options() => new() { OutputDirectory = _temp.Combine("evidence"), TimeProvider = EvidenceFixture.Clock() };

    [Fact]
    public void Dump_writes_the_documented_shape()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);

        var path = FailureEvidence.Dump("Scenario1_Kill9Recovery", db, "last checkpoint did not verify", taskId: "task-a", Options());

        Assert.Equal(_temp.Combine("evidence", "Scenario1_Kill9Recovery-20260129T120000000Z-failure.json"), path);
        // Written atomically, with a marker anyone can verify.
        Assert.True(AgentOs.Sdk.IO.AtomicFile.Verify(path).IsValid);
        Snapshot.Match(EvidenceFixture.Scrub(File.ReadAllText(path)));
    }

    [Fact]
    public void CollectMultiDatabase_writes_the_documented_shape()
    {
        var dbs = new[] { _temp.Combine("worker_0.db"), _temp.Combine("worker_1.db"), _temp.Combine("worker_2.db") };
        EvidenceFixture.Seed(dbs[0], checkpointsPerTask: 1);
        EvidenceFixture.Seed(dbs[1], checkpointsPerTask: 2);

        var path = FailureEvidence.CollectMultiDatabase("Scenario2_ConcurrentCheckpoints", dbs, "expected 100 checkpoints", Options());

        Snapshot.Match(EvidenceFixture.Scrub(File.ReadAllText(path)));
    }

    [Fact]
    public void The_database_is_read_without_being_changed()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);
        SqliteConnection.ClearAllPools();
        var before = SHA256.HashData(File.ReadAllBytes(db));

        FailureEvidence.Dump("t", db, "e", "task-a", Options());

        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(db)));
    }

    [Fact]
    public void Evidence_from_a_closed_store_leaves_no_wal_or_shm_file_beside_it()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);
        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(db + "-wal"), "the closed store has no -wal file before evidence is captured");
        Assert.False(File.Exists(db + "-shm"), "the closed store has no -shm file before evidence is captured");

        var path = FailureEvidence.Dump("t", db, "e", "task-a", Options());

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal("ok", document.RootElement.GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("database").GetProperty("table_counts").GetProperty("tasks").GetInt64());
        Assert.False(File.Exists(db + "-wal"), "describing a closed store must not leave a -wal file");
        Assert.False(File.Exists(db + "-shm"), "describing a closed store must not leave a -shm file");
    }

    [Fact]
    public void Only_the_latest_rows_are_kept_so_the_file_stays_bounded()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db, checkpointsPerTask: 60);

        using var doc = JsonDocument.Parse(File.ReadAllText(FailureEvidence.Dump("t", db, "e", options: Options())));

        var database = doc.RootElement.GetProperty("database");
        Assert.Equal(120, database.GetProperty("table_counts").GetProperty("checkpoints").GetInt64());
        var recent = database.GetProperty("recent_checkpoints");
        Assert.Equal(50, recent.GetArrayLength());
        // Newest first: task-b's checkpoint 60 and task-a's share a time; the later insert comes first.
        Assert.Equal("cp-task-b-060", recent[0].GetProperty("checkpoint_id").GetString());
        Assert.Equal(50, database.GetProperty("recent_audits").GetArrayLength());
    }

    [Fact]
    public void Snapshot_data_can_be_redacted_and_long_values_are_cut()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);
        var options = Options();
        options.RedactedColumns.Add("snapshot");
        options.Redact = (table, column, value) => column == "payload" ? value.Replace("step", "s***", StringComparison.Ordinal) : value;
        options.MaxValueLength = 16;

        var text = File.ReadAllText(FailureEvidence.Dump("t", db, "e", "task-a", options));

        Assert.DoesNotContain("secret prompt", text, StringComparison.Ordinal);
        Assert.Contains("\"snapshot\": \"[redacted]\"", text, StringComparison.Ordinal);
        Assert.Contains("s***", text, StringComparison.Ordinal);
        Assert.Contains("…[cut ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("..")]
    [InlineData("..\\..\\win")]
    public void A_test_name_cannot_leave_the_evidence_folder(string testName)
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);

        var path = FailureEvidence.Dump(testName, db, "e", options: Options());

        Assert.Equal(_temp.Combine("evidence"), Path.GetDirectoryName(path));
        Assert.True(File.Exists(path));
        Assert.DoesNotContain("..", Path.GetFileName(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_dumps_in_the_same_millisecond_do_not_replace_each_other()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);

        var first = FailureEvidence.Dump("t", db, "first", options: Options());
        var second = FailureEvidence.Dump("t", db, "second", options: Options());

        Assert.NotEqual(first, second);
        Assert.Contains("first", File.ReadAllText(first), StringComparison.Ordinal);
        Assert.Contains("second", File.ReadAllText(second), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_database_still_yields_evidence_that_says_so()
    {
        var status = DatabaseStatus(FailureEvidence.Dump("t", _temp.Combine("nope.db"), "e", options: Options()));

        Assert.Equal("missing", status.GetProperty("status").GetString());
    }

    [Fact]
    public void A_corrupt_database_still_yields_evidence_that_says_so()
    {
        var db = _temp.Combine("noise.db");
        File.WriteAllBytes(db, RandomNumberGenerator.GetBytes(4096));

        var status = DatabaseStatus(FailureEvidence.Dump("t", db, "e", options: Options()));

        Assert.Equal("corrupt", status.GetProperty("status").GetString());
        Assert.Contains("not a database", status.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_locked_database_still_yields_evidence_that_says_so()
    {
        var db = _temp.Combine("registry.sqlite");
        EvidenceFixture.Seed(db);
        SqliteConnection.ClearAllPools();
        using var holder = new SqliteConnection($"Data Source={db};Pooling=False");
        holder.Open();
        // Exclusive locking mode keeps every other connection out, even a WAL reader.
        EvidenceFixture.Execute(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE tasks SET title = 'held';");
        var options = Options();
        options.LockTimeout = TimeSpan.FromMilliseconds(50);

        var status = DatabaseStatus(FailureEvidence.Dump("t", db, "e", options: options));

        Assert.Equal("locked", status.GetProperty("status").GetString());
        Assert.Contains("locked", status.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_of_an_older_schema_reports_the_missing_sections_and_keeps_the_rest()
    {
        var db = _temp.Combine("old.db");
        using (var connection = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            connection.Open();
            EvidenceFixture.Execute(connection, "CREATE TABLE tasks (task_id TEXT PRIMARY KEY); INSERT INTO tasks VALUES ('x');");
        }

        var evidence = DatabaseStatus(FailureEvidence.Dump("t", db, "e", options: Options()));

        Assert.Equal("ok", evidence.GetProperty("status").GetString());
        Assert.Equal(1, evidence.GetProperty("table_counts").GetProperty("tasks").GetInt64());
        Assert.Contains("no such table", evidence.GetProperty("recent_checkpoints").GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    private static JsonElement DatabaseStatus(string evidencePath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(evidencePath));
        return doc.RootElement.GetProperty("database").Clone();
    }
}
