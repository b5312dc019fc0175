using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// Checkpoint create against the floor: a raw single-row INSERT + COMMIT into the same table of the same store, on a
/// connection held open with its statement prepared. Goal: within 1.5x of the floor, and at least 5,000 per second
/// (25x the peer's 200).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CheckpointBenchmarks
{
    private string _directory = null!;
    private AgentOsStore _store = null!;
    private CheckpointManager _manager = null!;
    private CheckpointManager _audited = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _insert = null!;
    private JsonDocument _snapshot = null!;
    private EvidencePack _evidence = null!;
    private long _rawSequence;

    /// <summary>The store's <c>PRAGMA synchronous</c>.</summary>
    [Params(SynchronousMode.Full, SynchronousMode.Normal)]
    public SynchronousMode Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-bench-checkpoints-").FullName;
        _store = AgentOsStore.Open(Path.Combine(_directory, "bench.db"), new StoreOptions { Synchronous = Synchronous });
        _manager = new CheckpointManager(_store);
        _audited = new CheckpointManager(_store, new CheckpointManagerOptions { AuditCheckpointCreation = true });
        _snapshot = JsonDocument.Parse("""{"step":42,"plan":["read","write","verify"],"cursor":"c-0042"}""");
        _evidence = [new CommandExitEvidence("dotnet test", 0)];
        _manager.EnsureTask("raw");

        _raw = (SqliteConnection)_store.OpenConnection();
        _insert = _raw.CreateCommand();
        _insert.CommandText = """
            INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, status, verified_at_ms, created_at_ms)
            VALUES ($id, 'raw', 'step', $sequence, $snapshot, $evidence, 'verified', $now, $now)
            """;
        _insert.Parameters.Add("$id", SqliteType.Text);
        _insert.Parameters.Add("$sequence", SqliteType.Integer);
        _insert.Parameters.AddWithValue("$snapshot", _snapshot.RootElement.GetRawText());
        _insert.Parameters.AddWithValue("$evidence", """[{"type":"command_exit","command":"dotnet test","exit_code":0,"expected_exit_code":0}]""");
        _insert.Parameters.Add("$now", SqliteType.Integer);
        _insert.Prepare();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _insert.Dispose();
        _raw.Dispose();
        _manager.Dispose();
        _audited.Dispose();
        _store.Dispose();
        _snapshot.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The floor: one prepared INSERT of a checkpoint-shaped row and its COMMIT, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public void RawInsertAndCommit()
    {
        using var transaction = _raw.BeginTransaction(deferred: false);
        _insert.Transaction = transaction;
        _insert.Parameters["$id"].Value = Guid.CreateVersion7().ToString();
        _insert.Parameters["$sequence"].Value = ++_rawSequence;
        _insert.Parameters["$now"].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _insert.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>
    /// <see cref="CheckpointManager.CreateCheckpoint(string, string, JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/>:
    /// evidence check, sequence allocation and checkpoint row in one transaction (the task row's INSERT is skipped: this
    /// manager wrote the task before).
    /// </summary>
    [Benchmark]
    public Checkpoint CreateCheckpoint() => _manager.CreateCheckpoint("task", "step", _snapshot.RootElement, _evidence);

    /// <summary>
    /// The same by a manager that has not written the task before (a fresh one per call, as in a new process), so the task
    /// row's <c>INSERT ... ON CONFLICT DO NOTHING</c> runs: what skipping it for known tasks saves is the distance to
    /// <see cref="CreateCheckpoint"/>.
    /// </summary>
    [Benchmark]
    public Checkpoint CreateCheckpointTaskNotSkipped()
    {
        using var manager = new CheckpointManager(_store);
        return manager.CreateCheckpoint("task", "step", _snapshot.RootElement, _evidence);
    }

    /// <summary>The same with <see cref="CheckpointManagerOptions.AuditCheckpointCreation"/>: one more row and index entry per checkpoint.</summary>
    [Benchmark]
    public Checkpoint CreateCheckpointAudited() => _audited.CreateCheckpoint("audited", "step", _snapshot.RootElement, _evidence);

    /// <summary><see cref="CheckpointManager.BeginStep"/> then <see cref="CheckpointManager.CommitStep(CheckpointStep, JsonElement, EvidencePack)"/>: two transactions.</summary>
    [Benchmark]
    public Checkpoint BeginAndCommitStep()
    {
        var step = _manager.BeginStep("steps", "step");
        return _manager.CommitStep(step, _snapshot.RootElement, _evidence);
    }
}
