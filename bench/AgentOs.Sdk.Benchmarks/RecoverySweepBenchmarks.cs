using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// A recovery sweep of 10,000 expired leases (synchronous=FULL) against the floor: one unconditional set-based UPDATE of
/// the same rows, with no epoch re-check, no batching and no statistics. The peer took 3 to 7 s for 1,000.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
[MedianColumn]
public class RecoverySweepBenchmarks
{
    private const int Leases = 10_000;

    private string _directory = string.Empty;
    private AgentOsStore _store = null!;
    private RecoverySweep _sweep = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-bench-sweep-").FullName;
        _store = AgentOsStore.Open(Path.Combine(_directory, "store.db"));
        _sweep = new RecoverySweep(_store);
        new WorkQueue(_store).EnqueueRange(Enumerable.Range(0, Leases).Select(i => new WorkItemRequest("job", $$"""{"n":{{i}}}""")));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    // Every iteration starts from 10,000 leases of crashed workers that expired a second ago.
    [IterationSetup]
    public void ExpireAllLeases()
    {
        using var connection = (SqliteConnection)_store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE work_items
            SET status = 'leased', lease_holder = 'crashed-' || (rowid % 16), lease_epoch = lease_epoch + 1, attempts = 1,
                lease_acquired_at_ms = $now - 31000, lease_expires_at_ms = $now - 1000
            """;
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    [Benchmark(Baseline = true, Description = "raw set-based UPDATE")]
    public int RawUpdate()
    {
        using var connection = (SqliteConnection)_store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE work_items SET status = 'pending', lease_holder = NULL, lease_expires_at_ms = NULL, updated_at_ms = $now
            WHERE status = 'leased' AND lease_expires_at_ms <= $now
            """;
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return Check(command.ExecuteNonQuery());
    }

    [Benchmark(Description = "RecoverySweep.ScanAndRecover")]
    public int ScanAndRecover() => Check(_sweep.ScanAndRecover().Recovered);

    private static int Check(int recovered) =>
        recovered == Leases ? recovered : throw new InvalidOperationException($"Recovered {recovered} of {Leases} leases.");
}
