using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Health;

public sealed class StartupHealthCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_healthy_closed_store_passes_every_check_and_is_left_as_it_was()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("registry.sqlite"));

        var report = HealthAssert.RunReadOnly(path);

        Assert.True(report.AllPassed, report.ToTable());
        Assert.True(report.RecoveryEnabled);
        Assert.Null(report.Mode);
        Assert.Equal(9, report.Summary.PassedCount);
        Assert.Equal(0, report.Summary.FailedCount);
        Assert.Equal(HealthAssert.AllChecks, report.Summary.ChecksPassed);
        Assert.Empty(report.Summary.ChecksFailed);
        Assert.Equal(StoreSchema.CurrentVersion, report.SchemaVersion);
        Assert.Equal(Path.GetFullPath(path), report.DatabasePath);
        Assert.Equal(RunningSqliteVersion(), report.SqliteVersion);
        Assert.Contains(report.SqliteVersion, HealthAssert.Check(report, HealthCheckNames.SqliteVersion).Message, StringComparison.Ordinal);
        Assert.Equal(["registry.sqlite"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_store_open_in_this_process_passes_and_its_database_and_wal_are_not_touched()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("live.db"));
        using var store = AgentOsStore.Open(path);
        using var connection = (SqliteConnection)store.OpenConnection();
        TestDatabases.ExecuteOn(connection, "INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('t1', 0, 0)");
        Assert.True(File.Exists(path + "-wal"));

        // SQLite shares one -shm mapping among a process's connections, so the check registers its read snapshot in the
        // store's index like any reader; from another process it opens -shm read-only (see LockedDatabaseTests).
        var report = HealthAssert.RunReadOnly(path, sharedIndexMayChange: true);

        Assert.True(report.AllPassed, report.ToTable());
        Assert.Contains("-wal", HealthAssert.Check(report, HealthCheckNames.DbExists).Message, StringComparison.Ordinal);
        // The store's connection still works after the check closed its own.
        TestDatabases.ExecuteOn(connection, "INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('t2', 0, 0)");
    }

    [Fact]
    public void A_change_committed_only_to_the_wal_of_a_killed_writer_is_seen_and_nothing_is_touched()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("crashed.db"));
        using (var writer = ChildProcess.StartAssembly(BuiltProgram.TestHost, ["commit-and-hang", path, "PRAGMA foreign_keys = OFF; DROP TABLE idempotency_keys;"]))
        {
            Assert.Equal("ready", writer.ReadLine());
            writer.Kill();
        }

        Assert.True(File.Exists(path + "-wal") && File.Exists(path + "-shm"));

        var report = HealthAssert.RunReadOnly(path);

        // The drop lives only in the -wal: the check read the committed state, not the stale main file.
        HealthAssert.FailedExactly(report, (HealthCheckNames.RecoveryTables, "missing 1 of 6 recovery tables: idempotency_keys."));
    }

    [Fact]
    public void Busy_timeout_is_measured_on_a_connection_configured_from_the_store_options()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = new StartupHealthCheck(path, new StartupHealthCheckOptions { StoreOptions = { BusyTimeout = TimeSpan.FromSeconds(9) } }).RunAllChecks();

        var busy = HealthAssert.Check(report, HealthCheckNames.BusyTimeout);
        Assert.True(busy.Passed);
        Assert.StartsWith("busy_timeout is 9000 ms on a connection configured as AgentOsStore configures its own", busy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_opened_with_a_short_busy_timeout_fails_busy_timeout()
    {
        var options = new StoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(100), AllowShortBusyTimeout = true };
        var path = TestDatabases.HealthyStore(_temp.Combine("short.db"), options);

        var report = HealthAssert.RunReadOnly(path, new StartupHealthCheckOptions { StoreOptions = options });

        HealthAssert.FailedExactly(report, (HealthCheckNames.BusyTimeout, $"'{path}': busy_timeout is 100 ms on a connection configured as AgentOsStore configures its own, below the minimum 5000 ms"));
    }

    [Fact]
    public void The_minimum_busy_timeout_is_an_option()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = new StartupHealthCheck(path, new StartupHealthCheckOptions { MinimumBusyTimeout = TimeSpan.FromSeconds(6) }).RunAllChecks();

        HealthAssert.FailedExactly(report, (HealthCheckNames.BusyTimeout, "busy_timeout is 5000 ms"));
    }

    [Fact]
    public void The_schema_version_is_picked_by_number_not_by_when_it_was_applied()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));
        // An older version recorded later (and an older one that sorts after "0.24" as text): the peer's timestamp pick would choose it.
        TestDatabases.Execute(path, "INSERT INTO schema_version VALUES ('0.9', 0, 9, 'older', 'x', 99999999999999); INSERT INTO schema_version VALUES ('0.3', 0, 3, 'older', 'x', 99999999999999);");

        var report = HealthAssert.RunReadOnly(path);

        Assert.True(report.AllPassed, report.ToTable());
        Assert.Equal(new SchemaVersion(0, 24), report.SchemaVersion);
    }

    [Fact]
    public void A_schema_newer_than_this_build_fails_with_both_versions_named()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));
        TestDatabases.Execute(path, "INSERT INTO schema_version VALUES ('9.1', 9, 1, 'from the future', 'x', 0);");

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(report, (HealthCheckNames.SchemaVersion, $"is at schema 9.1, newer than {StoreSchema.CurrentVersion}"));
    }

    [Fact]
    public void An_empty_schema_version_table_fails()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));
        TestDatabases.Execute(path, "DELETE FROM schema_version;");

        var report = HealthAssert.RunReadOnly(path);

        HealthAssert.FailedExactly(report, (HealthCheckNames.SchemaVersion, "has an empty schema_version table"));
        Assert.Null(report.SchemaVersion);
    }

    [Fact]
    public void Optional_checks_can_be_left_out()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = new StartupHealthCheck(path, new StartupHealthCheckOptions { OptionalChecks = OptionalHealthChecks.QuickCheck, Depth = HealthCheckDepth.Deep }).RunAllChecks();

        Assert.Equal(
            [HealthCheckNames.DbExists, HealthCheckNames.WalMode, HealthCheckNames.BusyTimeout, HealthCheckNames.SchemaVersion, HealthCheckNames.RecoveryTables, HealthCheckNames.QuickCheck],
            report.Checks.Select(c => c.Name));
        Assert.True(report.AllPassed);
    }

    [Fact]
    public void The_default_check_reads_no_table_page_so_only_the_deep_check_finds_a_corrupt_one()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("corrupt.db"));
        var (rootPage, pageSize) = TestDatabases.RootPage(path, "tasks");
        var bytes = File.ReadAllBytes(path);
        Array.Fill(bytes, (byte)0xA5, (int)((rootPage - 1) * pageSize), (int)pageSize);
        File.WriteAllBytes(path, bytes);

        // The start-up check reads the header, pragmas and schema tables only: its cost does not grow with the data, and
        // what it does not read it cannot judge. The deep check reads every page.
        var fast = new StartupHealthCheck(path).RunAllChecks();
        var deep = new StartupHealthCheck(path, new StartupHealthCheckOptions { Depth = HealthCheckDepth.Deep }).RunAllChecks();

        Assert.Equal(HealthAssert.StartupChecks, fast.Checks.Select(c => c.Name));
        Assert.True(fast.AllPassed, fast.ToTable());
        Assert.Equal(HealthAssert.AllChecks, deep.Checks.Select(c => c.Name));
        HealthAssert.FailedExactly(deep, (HealthCheckNames.QuickCheck, $"'{path}' failed PRAGMA quick_check"));
    }

    [Fact]
    public void An_unknown_depth_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new StartupHealthCheck("a.db", new StartupHealthCheckOptions { Depth = (HealthCheckDepth)7 }));

    [Fact]
    public void Quick_check_is_stopped_at_its_time_bound()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));

        var report = HealthAssert.RunReadOnly(path, new StartupHealthCheckOptions { QuickCheckTimeout = TimeSpan.Zero });

        HealthAssert.FailedExactly(report, (HealthCheckNames.QuickCheck, "did not finish within 0 ms and was stopped"));
    }

    [Fact]
    public void Each_check_has_its_own_duration_from_the_time_provider()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 29, 8, 0, 0, TimeSpan.Zero));

        var report = new StartupHealthCheck(path, new StartupHealthCheckOptions { TimeProvider = clock }).RunAllChecks();

        Assert.Equal(clock.GetUtcNow(), report.CheckedAt);
        Assert.All(report.Checks, c => Assert.Equal(TimeSpan.Zero, c.Duration));
        Assert.Equal(TimeSpan.Zero, report.Duration);
    }

    [Fact]
    public void The_json_report_has_the_seeds_snake_case_shape()
    {
        var path = TestDatabases.StoreAtSchema023(_temp.Combine("old.db"));
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 29, 8, 0, 0, TimeSpan.Zero));

        var json = new StartupHealthCheck(path, new StartupHealthCheckOptions { TimeProvider = clock }).RunAllChecks().ToJson();

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(
            ["database_path", "checked_at", "mode", "recovery_enabled", "sqlite_version", "schema_version", "duration_ms", "checks", "summary"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Path.GetFullPath(path), root.GetProperty("database_path").GetString());
        Assert.Equal("2026-01-29T08:00:00+00:00", root.GetProperty("checked_at").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("mode").ValueKind);
        Assert.False(root.GetProperty("recovery_enabled").GetBoolean());
        Assert.Equal("0.23", root.GetProperty("schema_version").GetString());
        var summary = root.GetProperty("summary");
        Assert.Equal(["all_passed", "passed_count", "failed_count", "checks_passed", "checks_failed"], summary.EnumerateObject().Select(p => p.Name));
        Assert.False(summary.GetProperty("all_passed").GetBoolean());
        Assert.Equal(7, summary.GetProperty("passed_count").GetInt32());
        Assert.Equal(1, summary.GetProperty("failed_count").GetInt32());
        Assert.Equal([HealthCheckNames.SchemaVersion], summary.GetProperty("checks_failed").EnumerateArray().Select(e => e.GetString()));
        var checks = root.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(HealthAssert.StartupChecks, checks.Select(c => c.GetProperty("name").GetString()));
        Assert.All(checks, c => Assert.Equal(["name", "passed", "message", "duration_ms"], c.EnumerateObject().Select(p => p.Name)));
        // Readable in a terminal: the quotes around paths are not escaped.
        Assert.Contains($"'{Path.GetFullPath(path)}' is at schema 0.23", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_names_the_database_every_check_and_the_verdict()
    {
        var path = TestDatabases.StoreAtSchema023(_temp.Combine("old.db"));

        var table = new StartupHealthCheck(path).RunAllChecks().ToTable();

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"AgentOs start-up health check: {Path.GetFullPath(path)}", lines[0]);
        Assert.Matches(@"^  CHECK\s+RESULT\s+TIME  MESSAGE$", lines[1]);
        Assert.Equal(HealthAssert.StartupChecks.Length + 3, lines.Length);
        Assert.Matches(@"^  schema_version\s+FAIL\s+\d+\.\d\d ms  '.*' is at schema 0\.23", lines[5]);
        Assert.Matches(@"^  7 passed, 1 failed in \d+\.\d\d ms \(SQLite [\d.]+, schema 0\.23\); recovery disabled$", lines[^1]);
    }

    [Fact]
    public async Task The_async_check_honours_cancellation()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("a.db"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new StartupHealthCheck(path).RunAllChecksAsync(cancelled.Token));

        var report = await new StartupHealthCheck(path).RunAllChecksAsync();
        Assert.True(report.AllPassed);
    }

    [Fact]
    public void Bad_options_are_refused_at_construction()
    {
        Assert.Throws<ArgumentException>(() => new StartupHealthCheck(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StartupHealthCheck("a.db", new StartupHealthCheckOptions { LockTimeout = TimeSpan.FromSeconds(-1) }));
        // The store would refuse these options too.
        Assert.Throws<ArgumentOutOfRangeException>(() => new StartupHealthCheck("a.db", new StartupHealthCheckOptions { StoreOptions = { BusyTimeout = TimeSpan.FromSeconds(1) } }));
    }

    [Theory]
    [InlineData("3.6.23", false, "has no WAL mode")]
    [InlineData("3.7.0", false, "WAL-reset bug")]
    [InlineData("3.45.1", false, "SQLite 3.45.1 is running: versions 3.7.0 through 3.51.2 can corrupt")]
    [InlineData("3.51.2", false, "WAL-reset bug")]
    [InlineData("3.51.3", true, "SQLite 3.51.3 is running")]
    [InlineData("3.53.3", true, "free of the WAL-reset bug")]
    [InlineData("garbage", false, "cannot be parsed")]
    public void The_sqlite_version_policy_fails_every_version_with_the_wal_reset_bug(string version, bool passes, string says)
    {
        var (passed, message) = AgentOs.Sdk.Health.Internal.SqliteVersionPolicy.Evaluate(version);

        Assert.Equal(passes, passed);
        Assert.Contains(says, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sqlite_uris_escape_what_uris_reserve()
    {
        Assert.Equal("file:/tmp/a%3Fb%23c%25d.db?immutable=1", AgentOs.Sdk.Health.Internal.HealthCheckRun.SqliteUri("/tmp/a?b#c%d.db", "immutable=1"));
        Assert.Equal("file:/C:/stores/a b.db?readonly_shm=1", AgentOs.Sdk.Health.Internal.HealthCheckRun.SqliteUri(@"C:\stores\a b.db", "readonly_shm=1"));
    }

    [Fact]
    public void A_path_with_uri_characters_is_checked_in_place()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("odd ?name #1 100%.db"));

        var report = HealthAssert.RunReadOnly(path);

        Assert.True(report.AllPassed, report.ToTable());
    }

    private static string RunningSqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }
}
