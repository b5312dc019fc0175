using AgentOs.Sdk.Extensions.AI;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// A cache hit through the IChatClient pipeline beside a pass-through DelegatingChatClient over the same in-memory model:
/// the difference is what the cache adds per hit (key: canonical JSON and SHA-256; one indexed read; JSON to ChatResponse).
/// Goal: at most 50 us added per hit.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ChatCacheBenchmarks
{
    private string _directory = null!;
    private AgentOsStore _store = null!;
    private IdempotencyStore _idempotency = null!;
    private IChatClient _passThrough = null!;
    private IChatClient _cached = null!;
    private ChatMessage[] _messages = null!;
    private ChatOptions _options = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _directory = BenchmarkDirectory.Create("chat-cache");
        _store = AgentOsStore.Open(Path.Combine(_directory, "bench.db"));
        _idempotency = new IdempotencyStore(_store, "bench");
        var model = new FixedChatClient();
        _passThrough = new PassThroughChatClient(model);
        _cached = model.AsBuilder().UseAgentOsOutputCache(new LlmOutputCache(_idempotency)).Build();
        _messages =
        [
            new ChatMessage(ChatRole.System, "You are a careful planner. Answer in three short steps."),
            new ChatMessage(ChatRole.User, "Plan the migration of the orders table to the new schema without downtime."),
        ];
        _options = new ChatOptions { Temperature = 0.2f, MaxOutputTokens = 400 };
        // Record the answer once: every measured call is a hit.
        await _cached.GetResponseAsync(_messages, _options);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _idempotency.Dispose();
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "pass-through DelegatingChatClient")]
    public Task<ChatResponse> PassThrough() => _passThrough.GetResponseAsync(_messages, _options);

    [Benchmark(Description = "AgentOs output cache hit")]
    public Task<ChatResponse> CacheHit() => _cached.GetResponseAsync(_messages, _options);

    private sealed class PassThroughChatClient(IChatClient inner) : DelegatingChatClient(inner);

    private sealed class FixedChatClient : IChatClient
    {
        private static readonly ChatResponse Answer = new(new ChatMessage(ChatRole.Assistant, "1. Add the new columns. 2. Backfill in batches. 3. Switch reads, then drop the old columns."))
        {
            ModelId = "bench-model",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 40, OutputTokenCount = 25, TotalTokenCount = 65 },
        };

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(Answer);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Answer.ToChatResponseUpdates().ToAsyncEnumerable();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
