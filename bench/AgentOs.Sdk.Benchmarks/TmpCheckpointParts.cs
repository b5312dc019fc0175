using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

[MemoryDiagnoser, MedianColumn]
public class TmpCheckpointParts
{
    private string _directory = null!;
    private AgentOsStore _store = null!;
    private CheckpointManager _manager = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _insert = null!, _maxInsert = null!, _ensure = null!, _audit = null!;
    private JsonDocument _snapshot = null!;
    private EvidencePack _evidence = null!;
    private long _rawSequence;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-bench-tmp-").FullName;
        _store = AgentOsStore.Open(Path.Combine(_directory, "bench.db"), new StoreOptions { Synchronous = SynchronousMode.Normal });
        _manager = new CheckpointManager(_store);
        _snapshot = JsonDocument.Parse("""{"step":42,"plan":["read","write","verify"],"cursor":"c-0042"}""");
        _evidence = [new CommandExitEvidence("dotnet test", 0)];
        _manager.EnsureTask("raw");
        _manager.EnsureTask("m");
        _raw = _store.OpenConnection();
        _insert = Cmd("INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, status, verified_at_ms, created_at_ms) VALUES ($id, 'raw', 'step', $sequence, $snapshot, $evidence, 'verified', $now, $now)");
        _maxInsert = Cmd("INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, status, verified_at_ms, created_at_ms) SELECT $id, 'm', 'step', COALESCE(MAX(sequence_number), 0) + 1, $snapshot, $evidence, 'verified', $now, $now FROM checkpoints WHERE task_id = 'm' RETURNING sequence_number");
        _ensure = Cmd("INSERT OR IGNORE INTO tasks (task_id, status, title, created_at_ms, updated_at_ms) VALUES ('m', 'pending', NULL, $now, $now)");
        _audit = Cmd("INSERT INTO task_audits (task_id, event_type, level, payload, created_at_ms) VALUES ('m', 'checkpoint_created', 'info', $payload, $now) RETURNING audit_id");
    }

    private SqliteCommand Cmd(string sql)
    {
        var c = _raw.CreateCommand();
        c.CommandText = sql;
        return c;
    }

    private static void Bind(SqliteCommand c, string name, object value)
    {
        if (c.Parameters.Contains(name)) c.Parameters[name].Value = value; else c.Parameters.AddWithValue(name, value);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _manager.Dispose();
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public void Raw()
    {
        using var tx = _raw.BeginTransaction(deferred: false);
        _insert.Transaction = tx;
        Bind(_insert, "$id", Guid.CreateVersion7().ToString());
        Bind(_insert, "$sequence", ++_rawSequence);
        Bind(_insert, "$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Bind(_insert, "$snapshot", _snapshot.RootElement.GetRawText());
        Bind(_insert, "$evidence", "[{\"type\":\"command_exit\",\"command\":\"dotnet test\",\"exit_code\":0,\"expected_exit_code\":0}]");
        _insert.ExecuteNonQuery();
        tx.Commit();
    }

    [Benchmark]
    [Arguments(false, false)]
    [Arguments(true, false)]
    [Arguments(true, true)]
    public void Manual(bool ensure, bool audit)
    {
        using var tx = _raw.BeginTransaction(deferred: false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (ensure)
        {
            _ensure.Transaction = tx;
            Bind(_ensure, "$now", now);
            _ensure.ExecuteNonQuery();
        }

        _maxInsert.Transaction = tx;
        Bind(_maxInsert, "$id", Guid.CreateVersion7().ToString());
        Bind(_maxInsert, "$now", now);
        Bind(_maxInsert, "$snapshot", _snapshot.RootElement.GetRawText());
        Bind(_maxInsert, "$evidence", "[{\"type\":\"command_exit\",\"command\":\"dotnet test\",\"exit_code\":0,\"expected_exit_code\":0}]");
        _maxInsert.ExecuteScalar();
        if (audit)
        {
            _audit.Transaction = tx;
            Bind(_audit, "$payload", "{\"checkpoint_id\":\"0193\",\"sequence_number\":5,\"checkpoint_type\":\"step\",\"status\":\"verified\"}");
            Bind(_audit, "$now", now);
            _audit.ExecuteScalar();
        }

        tx.Commit();
    }

    [Benchmark]
    public Checkpoint Ours() => _manager.CreateCheckpoint("task", "step", _snapshot.RootElement, _evidence);
}
