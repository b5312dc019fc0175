using System.Diagnostics;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>Another process holds the database: the check waits no longer than its lock timeout, says "locked", and changes nothing.</summary>
public sealed class LockedDatabaseTests : IDisposable
{
    private static readonly StartupHealthCheckOptions OneSecond = new() { LockTimeout = TimeSpan.FromSeconds(1) };

    // The driver's own retry would wait 30 s, the store's busy timeout 5 s: finishing well under either shows the lock timeout rules.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(4);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_store_held_exclusively_by_another_process_is_reported_locked_within_the_timeout()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("held.db"));
        // locking_mode=EXCLUSIVE + BEGIN EXCLUSIVE: the one way to lock readers out of a WAL database.
        using var holder = ChildProcess.StartAssembly(BuiltProgram.TestHost, ["hold-lock", path, "wal-exclusive"]);
        Assert.Equal("ready", holder.ReadLine());

        var watch = Stopwatch.StartNew();
        var report = HealthAssert.RunReadOnly(path, OneSecond);
        watch.Stop();

        Assert.True(watch.Elapsed < Bound, $"The check took {watch.Elapsed}.");
        var walMode = HealthAssert.Check(report, HealthCheckNames.WalMode);
        Assert.False(walMode.Passed);
        Assert.Contains($"'{path}' is locked by another connection", walMode.Message, StringComparison.Ordinal);
        foreach (var name in new[] { HealthCheckNames.SchemaVersion, HealthCheckNames.RecoveryTables, HealthCheckNames.ApplicationId, HealthCheckNames.QuickCheck })
        {
            var entry = HealthAssert.Check(report, name);
            Assert.False(entry.Passed);
            Assert.StartsWith("Not run: ", entry.Message, StringComparison.Ordinal);
            Assert.Contains("is locked by another connection", entry.Message, StringComparison.Ordinal);
        }

        // What needs no read lock is still judged.
        HealthAssert.Passed(report, HealthCheckNames.DbExists, HealthCheckNames.BusyTimeout, HealthCheckNames.SqliteVersion, HealthCheckNames.DirectoryWritable);
        Assert.False(File.Exists(path + "-shm"));
    }

    [Fact]
    public void A_rollback_journal_database_in_an_exclusive_transaction_is_reported_locked_within_the_timeout()
    {
        var path = TestDatabases.RollbackJournalStore(_temp.Combine("held-rollback.db"));
        using var holder = ChildProcess.StartAssembly(BuiltProgram.TestHost, ["hold-lock", path, "begin-exclusive"]);
        Assert.Equal("ready", holder.ReadLine());

        var watch = Stopwatch.StartNew();
        var report = HealthAssert.RunReadOnly(path, OneSecond);
        watch.Stop();

        Assert.True(watch.Elapsed < Bound, $"The check took {watch.Elapsed}.");
        Assert.Contains("rollback journal", HealthAssert.Check(report, HealthCheckNames.WalMode).Message, StringComparison.Ordinal);
        var schema = HealthAssert.Check(report, HealthCheckNames.SchemaVersion);
        Assert.False(schema.Passed);
        Assert.Contains($"'{path}' is locked by another connection: no read lock within the 1000 ms lock timeout", schema.Message, StringComparison.Ordinal);
        Assert.Contains("locked", HealthAssert.Check(report, HealthCheckNames.QuickCheck).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_writer_in_an_exclusive_transaction_does_not_block_the_check_of_a_wal_store()
    {
        var path = TestDatabases.HealthyStore(_temp.Combine("written.db"));
        // In WAL mode BEGIN EXCLUSIVE only excludes other writers; readers, the check among them, go on.
        using var holder = ChildProcess.StartAssembly(BuiltProgram.TestHost, ["hold-lock", path, "begin-exclusive"]);
        Assert.Equal("ready", holder.ReadLine());

        var report = HealthAssert.RunReadOnly(path, OneSecond);

        Assert.True(report.AllPassed, report.ToTable());
    }
}
