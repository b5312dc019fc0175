using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// Replay lookups of the LLM output cache and the tool ledger against the floor: a prepared SELECT by primary key on an
/// open connection, reading the same row. The peer managed about 2,000 cache lookups and 1,666 tool replays per second.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[MedianColumn]
public class IdempotencyBenchmarks
{
    private const string Operation = "summarise";
    private const string Model = "model-large";
    private const string Tool = "git";
    private const string Command = "git status --porcelain";

    private static readonly string Prompt = string.Concat(Enumerable.Repeat("Summarise the following design notes in three bullet points. ", 16));

    private string _directory = string.Empty;
    private AgentOsStore _store = null!;
    private IdempotencyStore _idempotency = null!;
    private LlmOutputCache _cache = null!;
    private ToolLedger _ledger = null!;
    private SqliteConnection _raw = null!;
    private SqliteCommand _select = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentos-bench-idempotency-").FullName;
        _store = AgentOsStore.Open(Path.Combine(_directory, "store.db"));
        _idempotency = new IdempotencyStore(_store, "bench");
        _cache = new LlmOutputCache(_idempotency);
        _ledger = new ToolLedger(_idempotency);
        SeedOtherKeys(10_000);

        var answer = string.Concat(Enumerable.Repeat("- a summary line of moderate length\n", 30));
        _cache.GetOrCreateAsync(Operation, Prompt, Model, _ => Task.FromResult(answer)).GetAwaiter().GetResult();
        _ledger.ExecuteOrReplayAsync(Tool, Command, _ => Task.FromResult(new ToolResult(0, " M src/file.cs\n?? new.txt\n", string.Empty))).GetAwaiter().GetResult();

        _raw = (SqliteConnection)_store.OpenConnection();
        _select = _raw.CreateCommand();
        _select.CommandText = "SELECT result FROM idempotency_keys WHERE idempotency_key = $key";
        _select.Parameters.AddWithValue("$key", LlmOutputCache.CreateKey(Operation, Prompt, Model).Value);
        _select.Prepare();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _select.Dispose();
        _raw.Dispose();
        _idempotency.Dispose();
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "raw SELECT by primary key")]
    public string RawSelectByPrimaryKey() => (string)_select.ExecuteScalar()!;

    [Benchmark(Description = "LLM cache hit")]
    public Task<string> LlmCacheHit() =>
        _cache.GetOrCreateAsync(Operation, Prompt, Model, static _ => throw new InvalidOperationException("A hit must not call the model."));

    [Benchmark(Description = "tool ledger replay")]
    public Task<ToolLedgerResult> ToolReplay() =>
        _ledger.ExecuteOrReplayAsync(Tool, Command, static _ => throw new InvalidOperationException("A replay must not run the command."));

    // A table with other entries, so lookups are not served from a one-row table.
    private void SeedOtherKeys(int count)
    {
        using var connection = (SqliteConnection)_store.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO idempotency_keys (idempotency_key, kind, status, owner, result, created_at_ms, updated_at_ms, completed_at_ms)
            VALUES ($key, 'llm', 'succeeded', 'seed', $result, 0, 0, 0)
            """;
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var result = insert.Parameters.Add("$result", SqliteType.Text);
        for (var i = 0; i < count; i++)
        {
            key.Value = IdempotencyKey.From("llm", "seed", i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Value;
            result.Value = $"seeded answer {i}";
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
