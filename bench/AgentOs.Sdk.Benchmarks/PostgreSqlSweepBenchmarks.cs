using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Npgsql;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// The recovery sweep of 100,000 expired leases on PostgreSQL (goal: under 2 s), beside the floor: one set-based UPDATE of
/// the same rows to the same state in one statement, with no paging, no re-check of the epoch, no SKIP LOCKED and no error text.
/// The sweep is the public <see cref="RecoverySweep"/> on an <see cref="AgentOsStore"/> opened with <c>UsePostgreSql</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MedianColumn]
public class PostgreSqlSweepBenchmarks
{
    private const int Leases = 100_000;

    private BenchPostgres _server = null!;
    private AgentOsStore _store = null!;
    private RecoverySweep _sweep = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = BenchPostgres.StartAsync("sweep").GetAwaiter().GetResult();
        _store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(_server.ConnectionString));
        _sweep = new RecoverySweep(_store, options: new RecoverySweepOptions { BatchSize = 1_000 });
        Execute($"INSERT INTO work_items (work_item_id, kind, created_at_ms, updated_at_ms) SELECT 'item-' || g, 'job', g, g FROM generate_series(1, {Leases}) g");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // Every iteration starts from 100,000 leases of crashed workers that expired a second ago on the server's clock.
    [IterationSetup]
    public void ExpireAllLeases()
    {
        Execute("""
        UPDATE work_items
        SET status = 'leased', lease_holder = 'crashed-' || (created_at_ms % 16), lease_epoch = lease_epoch + 1, attempts = 1,
            lease_acquired_at_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 31000,
            lease_expires_at_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1000,
            error = NULL
        """);
        // On its own: VACUUM cannot run inside a multi-statement batch. Dead row versions of the last run are not measured.
        Execute("VACUUM ANALYZE work_items");
    }

    [Benchmark(Baseline = true, Description = "raw set-based UPDATE")]
    public int RawUpdate() => Check(Execute("""
        UPDATE work_items SET status = 'pending', lease_holder = NULL, lease_expires_at_ms = NULL,
            updated_at_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
        WHERE status = 'leased' AND lease_expires_at_ms <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint
        """));

    [Benchmark(Description = "PostgreSQL sweep (pages of 1,000)")]
    public int Sweep()
    {
        var stats = _sweep.ScanAndRecoverAsync().GetAwaiter().GetResult();
        return Check(stats.Recovered + stats.FailedAfterMaxAttempts);
    }

    private static int Check(int recovered) =>
        recovered == Leases ? recovered : throw new InvalidOperationException($"Recovered {recovered} of {Leases} leases.");

    private int Execute(string sql)
    {
        using var connection = new NpgsqlConnection(_server.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        return command.ExecuteNonQuery();
    }
}
