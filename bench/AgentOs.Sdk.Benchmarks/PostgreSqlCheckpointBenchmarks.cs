using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// Checkpoint create on PostgreSQL against the floor on the same server and database: one prepared single-row INSERT of
/// a checkpoint-shaped row, committed by itself (no BEGIN, no COMMIT: one round trip, durable when it returns), on a
/// connection held open, with <c>synchronous_commit=on</c> and <c>fsync=on</c> for both (checked in set-up). Goal:
/// <see cref="CreateCheckpoint"/> within 1.5x of the floor. The same INSERT in an explicit transaction (two round trips)
/// is a second reference.
/// </summary>
/// <remarks>
/// The server is <c>AGENTOS_BENCH_POSTGRES</c> or a throwaway cluster of the installed PostgreSQL (see <see cref="BenchPostgres"/>).
/// Both make one round trip (pinned by <c>PostgreSqlRoundTripTests</c>). CreateCheckpoint pays, on top of the floor: the
/// evidence check, the task-row lock sent with the INSERT in the same batch (what keeps sequence numbers unique with
/// writers on several hosts), the sequence allocation inside the INSERT, the server's clock read by the INSERT, and the
/// store's connection rent.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
public class PostgreSqlCheckpointBenchmarks
{
    private const string Evidence = """[{"type":"command_exit","command":"dotnet test","exit_code":0,"expected_exit_code":0}]""";

    private BenchPostgres _server = null!;
    private AgentOsStore _store = null!;
    private CheckpointManager _manager = null!;
    private NpgsqlConnection _raw = null!;
    private NpgsqlCommand _insert = null!;
    private NpgsqlCommand _insertAlone = null!;
    private JsonDocument _snapshot = null!;
    private EvidencePack _evidence = null!;
    private long _rawSequence;

    [GlobalSetup]
    public void Setup()
    {
        _server = BenchPostgres.StartAsync("checkpoints").GetAwaiter().GetResult();
        // Both sides run with a durable commit whatever the server's default: the commit waits for the WAL flush.
        var connectionString = new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Options = "-c synchronous_commit=on" }.ConnectionString;
        _store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
        _manager = new CheckpointManager(_store, new CheckpointManagerOptions { BaseDirectory = Path.GetTempPath() });
        _snapshot = JsonDocument.Parse("""{"step":42,"plan":["read","write","verify"],"cursor":"c-0042"}""");
        _evidence = [new CommandExitEvidence("dotnet test", 0)];
        _manager.EnsureTask("raw");

        _raw = new NpgsqlConnection(connectionString);
        _raw.Open();
        foreach (var (setting, expected) in new[] { ("synchronous_commit", "on"), ("fsync", "on") })
        {
            using var show = new NpgsqlCommand("SHOW " + setting, _raw);
            if (show.ExecuteScalar() as string != expected)
            {
                throw new InvalidOperationException($"The benchmark server runs with {setting} = {show.ExecuteScalar()}; a durable commit needs {expected}.");
            }
        }

        _insert = new NpgsqlCommand(
            """
            INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, status, verified_at_ms, created_at_ms)
            VALUES (@id, 'raw', 'step', @sequence, @snapshot, @evidence, 'verified', @now, @now)
            """,
            _raw);
        _insert.Parameters.Add("id", NpgsqlDbType.Text);
        _insert.Parameters.Add("sequence", NpgsqlDbType.Bigint);
        _insert.Parameters.AddWithValue("snapshot", NpgsqlDbType.Text, _snapshot.RootElement.GetRawText());
        _insert.Parameters.AddWithValue("evidence", NpgsqlDbType.Text, Evidence);
        _insert.Parameters.Add("now", NpgsqlDbType.Bigint);
        _insert.Prepare();

        _insertAlone = new NpgsqlCommand(_insert.CommandText, _raw);
        foreach (NpgsqlParameter parameter in _insert.Parameters)
        {
            _insertAlone.Parameters.Add(parameter.Clone());
        }

        _insertAlone.Prepare();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _insert.Dispose();
        _insertAlone.Dispose();
        _raw.Dispose();
        _manager.Dispose();
        _store.Dispose();
        _snapshot.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The floor: one prepared INSERT of a checkpoint-shaped row, committed by itself, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public void RawInsert()
    {
        _insertAlone.Parameters[0].Value = Guid.CreateVersion7().ToString();
        _insertAlone.Parameters[1].Value = ++_rawSequence;
        _insertAlone.Parameters[4].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _insertAlone.ExecuteNonQuery();
    }

    /// <summary>The same INSERT in an explicit transaction: BEGIN with it, then COMMIT (two round trips).</summary>
    [Benchmark]
    public void RawInsertAndCommit()
    {
        using var transaction = _raw.BeginTransaction();
        _insert.Transaction = transaction;
        _insert.Parameters[0].Value = Guid.CreateVersion7().ToString();
        _insert.Parameters[1].Value = ++_rawSequence;
        _insert.Parameters[4].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _insert.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary><see cref="CheckpointManager.CreateCheckpoint(string, string, JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/> on one task.</summary>
    [Benchmark]
    public Checkpoint CreateCheckpoint() => _manager.CreateCheckpoint("task", "step", _snapshot.RootElement, _evidence);

    /// <summary>The asynchronous API, which is truly asynchronous on Npgsql.</summary>
    [Benchmark]
    public Task<Checkpoint> CreateCheckpointAsync() => _manager.CreateCheckpointAsync("async", "step", _snapshot.RootElement, _evidence);
}
