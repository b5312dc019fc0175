using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>
/// Each bad input gets a clear failed check that names the path and the reason, never an exception, and the database
/// (with its -wal, -shm and -journal companions) is left byte for byte as it was: nothing created, nothing changed.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private static readonly string[] DependentOnDbExists =
    [
        HealthCheckNames.WalMode, HealthCheckNames.BusyTimeout, HealthCheckNames.SchemaVersion, HealthCheckNames.RecoveryTables,
        HealthCheckNames.ApplicationId, HealthCheckNames.QuickCheck,
    ];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_missing_file_fails_db_exists_and_is_not_created()
    {
        var path = _temp.Combine("missing.db");

        var report = HealthAssert.RunReadOnly(path);

        var dbExists = HealthAssert.Check(report, HealthCheckNames.DbExists);
        Assert.False(dbExists.Passed);
        Assert.Contains($"'{path}' does not exist", dbExists.Message, StringComparison.Ordinal);
        AssertDependentChecksDidNotRun(report);
        HealthAssert.Passed(report, HealthCheckNames.SqliteVersion, HealthCheckNames.DirectoryWritable);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_missing_directory_is_named()
    {
        var path = _temp.Combine("no", "such", "dir", "registry.sqlite");

        var report = HealthAssert.RunReadOnly(path);

        Assert.Contains("nor does its directory", HealthAssert.Check(report, HealthCheckNames.DbExists).Message, StringComparison.Ordinal);
        var directory = HealthAssert.Check(report, HealthCheckNames.DirectoryWritable);
        Assert.False(directory.Passed);
        Assert.Contains("does not exist", directory.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("no")));
    }

    [Fact]
    public void A_zero_byte_file_is_not_a_database()
    {
        var path = _temp.Combine("empty.db");
        File.WriteAllBytes(path, []);

        var report = HealthAssert.RunReadOnly(path);

        var dbExists = HealthAssert.Check(report, HealthCheckNames.DbExists);
        Assert.False(dbExists.Passed);
        Assert.Contains($"'{path}' is empty (0 bytes)", dbExists.Message, StringComparison.Ordinal);
        AssertDependentChecksDidNotRun(report);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public void Random_bytes_are_not_a_database()
    {
        var path = _temp.Combine("noise.db");
        var noise = new byte[16384];
        new Random(7).NextBytes(noise);
        File.WriteAllBytes(path, noise);

        var report = HealthAssert.RunReadOnly(path);

        var dbExists = HealthAssert.Check(report, HealthCheckNames.DbExists);
        Assert.False(dbExists.Passed);
        Assert.Contains($"'{path}' is not a SQLite database", dbExists.Message, StringComparison.Ordinal);
        AssertDependentChecksDidNotRun(report);
    }

    [Fact]
    public void A_database_of_another_application_fails_every_check_that_identifies_a_store()
    {
        var path = TestDatabases.OtherApplicationDatabase(_temp.Combine("other.db"));

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(
            report,
            (HealthCheckNames.WalMode, "uses a rollback journal"),
            (HealthCheckNames.SchemaVersion, "has no schema_version table"),
            (HealthCheckNames.RecoveryTables, "missing 6 of 6 recovery tables: tasks, task_audits, work_items, checkpoints, idempotency_keys, schema_version"),
            (HealthCheckNames.ApplicationId, "has application_id 0"));
        Assert.All(report.Checks.Where(c => !c.Passed), c => Assert.Contains(path, c.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_database_marked_by_another_application_is_named_as_such()
    {
        var path = TestDatabases.OtherApplicationDatabase(_temp.Combine("other.db"));
        TestDatabases.Execute(path, "PRAGMA application_id = 305419896;");

        var report = HealthAssert.RunReadOnly(path);

        Assert.Contains(
            "belongs to another application (application_id 0x12345678, expected 0x41674F53)",
            HealthAssert.Check(report, HealthCheckNames.ApplicationId).Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_in_rollback_journal_mode_fails_wal_mode_only()
    {
        var path = TestDatabases.RollbackJournalStore(_temp.Combine("rollback.db"));

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(report, (HealthCheckNames.WalMode, $"'{path}' uses a rollback journal, not WAL"));
    }

    [Fact]
    public void A_store_at_schema_0_23_fails_schema_version_and_reports_the_version_found()
    {
        var path = TestDatabases.StoreAtSchema023(_temp.Combine("old.db"));

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(report, (HealthCheckNames.SchemaVersion, $"'{path}' is at schema 0.23, older than the minimum 0.24"));
        Assert.Equal(new SchemaVersion(0, 23), report.SchemaVersion);
    }

    [Theory]
    [InlineData("tasks")]
    [InlineData("task_audits")]
    [InlineData("work_items")]
    [InlineData("checkpoints")]
    [InlineData("idempotency_keys")]
    public void A_store_missing_one_recovery_table_names_it(string table)
    {
        var path = TestDatabases.StoreWithoutTable(_temp.Combine("missing-table.db"), table);

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(report, (HealthCheckNames.RecoveryTables, $"'{path}' is missing 1 of 6 recovery tables: {table}."));
    }

    [Fact]
    public void A_directory_is_not_a_database_file()
    {
        var path = _temp.Combine("a-directory.db");
        Directory.CreateDirectory(path);

        var report = HealthAssert.RunReadOnly(path);

        var dbExists = HealthAssert.Check(report, HealthCheckNames.DbExists);
        Assert.False(dbExists.Passed);
        Assert.Equal($"'{path}' is a directory, not a database file.", dbExists.Message);
        AssertDependentChecksDidNotRun(report);
        Assert.Empty(Directory.EnumerateFileSystemEntries(path));
    }

    [Fact]
    public void A_corrupt_table_page_fails_quick_check_only()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("corrupt.db"));
        // Overwrite the root page of the tasks table: the schema still reads, the b-tree does not.
        var (rootPage, pageSize) = TestDatabases.RootPage(path, "tasks");
        var bytes = File.ReadAllBytes(path);
        Array.Fill(bytes, (byte)0xA5, (int)((rootPage - 1) * pageSize), (int)pageSize);
        File.WriteAllBytes(path, bytes);

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(report, (HealthCheckNames.QuickCheck, $"'{path}' failed PRAGMA quick_check"));
    }

    [Fact]
    public void A_corrupt_schema_page_is_reported_as_corrupt()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("corrupt-schema.db"));
        // Page 1 after the 100-byte file header holds the schema table itself.
        var bytes = File.ReadAllBytes(path);
        Array.Fill(bytes, (byte)0xA5, 100, 3000);
        File.WriteAllBytes(path, bytes);

        var report = HealthAssert.RunReadOnly(path);

        var schema = HealthAssert.Check(report, HealthCheckNames.SchemaVersion);
        Assert.False(schema.Passed);
        Assert.Contains($"'{path}' is corrupt", schema.Message, StringComparison.Ordinal);
        Assert.StartsWith("Not run: ", HealthAssert.Check(report, HealthCheckNames.QuickCheck).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wal_file_without_its_shm_file_is_reported_without_creating_one()
    {
        var path = _temp.Combine("crashed.db");
        var live = TestDatabases.HealthyStore(_temp.Combine("live.db"));
        // Copy a store mid-flight: committed pages still in its -wal, no -shm (as a crash in exclusive locking mode leaves it).
        using (var store = AgentOsStore.Open(live))
        using (var connection = (SqliteConnection)store.OpenConnection())
        {
            TestDatabases.ExecuteOn(connection, "PRAGMA wal_autocheckpoint = 0; INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('t1', 0, 0);");
            File.Copy(live, path);
            File.Copy(live + "-wal", path + "-wal");
        }

        var report = HealthAssert.RunReadOnly(path);

        var walMode = HealthAssert.Check(report, HealthCheckNames.WalMode);
        Assert.False(walMode.Passed);
        Assert.Contains("cannot be read without creating its -shm file", walMode.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path + "-shm"));
    }

    private static void AssertDependentChecksDidNotRun(StartupHealthReport report)
    {
        foreach (var name in DependentOnDbExists)
        {
            var entry = HealthAssert.Check(report, name);
            Assert.False(entry.Passed);
            Assert.Equal("Not run: db_exists failed.", entry.Message);
        }
    }
}
