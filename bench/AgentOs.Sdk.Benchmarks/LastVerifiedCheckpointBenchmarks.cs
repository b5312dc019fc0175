using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// Finding the resume point of a task with 1,000 checkpoints: the baseline is the bare indexed query (one seek on the
/// partial index, row read, nothing parsed); <see cref="CheckpointManager.GetLastVerifiedCheckpoint"/> also parses the row and
/// re-checks its evidence (a file's existence and a command's exit code).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LastVerifiedCheckpointBenchmarks
{
    private string _directory = null!;
    private AgentOsStore _store = null!;
    private CheckpointManager _manager = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _query = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-bench-last-verified-").FullName;
        _store = AgentOsStore.Open(Path.Combine(_directory, "bench.db"), new StoreOptions { Synchronous = SynchronousMode.Normal });
        _manager = new CheckpointManager(_store);
        File.WriteAllText(Path.Combine(_directory, "artifact.json"), "{}");
        using var snapshot = JsonDocument.Parse("""{"step":42,"plan":["read","write","verify"],"cursor":"c-0042"}""");
        EvidencePack evidence = [new ArtifactExistsEvidence("artifact.json"), new CommandExitEvidence("dotnet test", 0)];
        for (var i = 0; i < 1000; i++)
        {
            // Every third one failed, so the index has to skip nothing but the table has a mix.
            _manager.CreateCheckpoint("task", "step", snapshot.RootElement, i % 3 == 2 ? [new CommandExitEvidence("x", 1)] : evidence);
        }

        _raw = (SqliteConnection)_store.OpenConnection();
        _query = _raw.CreateCommand();
        _query.CommandText = """
            SELECT checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, work_item_id, metadata, evidence,
                   created_at_ms, status, verified_at_ms, verification_error
            FROM checkpoints WHERE task_id = $task AND status = 'verified' ORDER BY sequence_number DESC LIMIT 1
            """;
        _query.Parameters.AddWithValue("$task", "task");
        _query.Prepare();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _query.Dispose();
        _raw.Dispose();
        _manager.Dispose();
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The floor: the indexed query, its row read as strings and numbers.</summary>
    [Benchmark(Baseline = true)]
    public long RawIndexedQuery()
    {
        using var reader = _query.ExecuteReader();
        reader.Read();
        return reader.GetInt64(3) + reader.GetString(4).Length + reader.GetString(7).Length;
    }

    /// <summary>The resume point with its evidence re-checked.</summary>
    [Benchmark]
    public Checkpoint? GetLastVerifiedCheckpoint() => _manager.GetLastVerifiedCheckpoint("task");
}
