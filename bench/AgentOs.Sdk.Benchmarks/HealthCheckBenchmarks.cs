using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// The whole start-up health check on a healthy store against the floor: opening the same database read-only and running
/// one PRAGMA. Two states: the store closed (as at start-up: the check reads it immutably) and the store open in this
/// process with a -wal file (as for a periodic health endpoint: the check reads the live WAL).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser(displayGenColumns: false)]
[MedianColumn]
public class HealthCheckBenchmarks
{
    private string _directory = "";
    private string _path = "";
    private StartupHealthCheck _check = null!;
    private AgentOsStore? _liveStore;
    private SqliteConnection? _liveConnection;

    /// <summary>Whether the application has the store open while the check runs.</summary>
    [Params(false, true)]
    public bool StoreOpen { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-health-bench-").FullName;
        _path = Path.Combine(_directory, "registry.sqlite");
        using (AgentOsStore.Open(_path))
        {
        }

        SqliteConnection.ClearAllPools();
        if (StoreOpen)
        {
            _liveStore = AgentOsStore.Open(_path);
            _liveConnection = (SqliteConnection)_liveStore.OpenConnection();
        }

        _check = new StartupHealthCheck(_path);
        if (!_check.RunAllChecks().AllPassed)
        {
            throw new InvalidOperationException("The benchmark store is not healthy: " + _check.RunAllChecks().ToTable());
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _liveConnection?.Dispose();
        _liveStore?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "open read-only + one PRAGMA")]
    public long OpenAndOnePragma()
    {
        using var connection = new SqliteConnection($"Data Source={_path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    [Benchmark(Description = "RunAllChecks (9 checks)")]
    public bool RunAllChecks() => _check.RunAllChecks().AllPassed;
}
