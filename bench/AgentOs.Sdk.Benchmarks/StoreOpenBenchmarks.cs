using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// What opening a store costs: creating and migrating a fresh one (schema 0.24, every table and index, committed with
/// synchronous=FULL) and reopening an existing one (identity check, migration bookkeeping, one configured connection),
/// against the floor: creating an empty WAL database with a bare driver connection.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser(displayGenColumns: false)]
[MedianColumn]
public class StoreOpenBenchmarks
{
    private string _directory = "";
    private string _existing = "";
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-store-bench-").FullName;
        _existing = Path.Combine(_directory, "existing.sqlite");
        using (AgentOsStore.Open(_existing))
        {
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "create empty WAL database (driver)")]
    public void CreateEmptyWalDatabase()
    {
        using var connection = new SqliteConnection($"Data Source={NextPath()};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        command.ExecuteNonQuery();
    }

    [Benchmark(Description = "open fresh store (create + migrate)")]
    public SchemaVersion OpenFreshStore()
    {
        using var store = AgentOsStore.Open(NextPath());
        return store.SchemaVersion;
    }

    [Benchmark(Description = "reopen existing store")]
    public SchemaVersion ReopenExistingStore()
    {
        using var store = AgentOsStore.Open(_existing);
        return store.SchemaVersion;
    }

    private string NextPath() => Path.Combine(_directory, $"fresh-{Interlocked.Increment(ref _next)}.sqlite");
}
