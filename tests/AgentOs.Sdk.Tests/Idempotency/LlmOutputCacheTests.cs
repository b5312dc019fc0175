using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Idempotency;

public abstract class LlmOutputCacheTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private IdempotencyStore _idempotency = null!;
    private LlmOutputCache _cache = null!;

    protected override Task InitializeTestAsync()
    {
        _idempotency = new IdempotencyStore(Database.Open(), "worker-1", _clock);
        _cache = new LlmOutputCache(_idempotency);
        return Task.CompletedTask;
    }

    protected override Task DisposeTestAsync()
    {
        _idempotency?.Dispose();
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public async Task The_model_is_asked_once_per_request_and_hits_and_misses_are_counted()
    {
        var calls = 0;
        Task<string> Model(CancellationToken _) => Task.FromResult($"answer {++calls}");

        var first = await _cache.GetOrCreateAsync("summarise", "the prompt", "model-a", Model);
        var second = await _cache.GetOrCreateAsync("summarise", "the prompt", "model-a", Model);
        var third = await _cache.GetOrCreateAsync("summarise", "the prompt", "model-a", Model);
        var otherModel = await _cache.GetOrCreateAsync("summarise", "the prompt", "model-b", Model);

        Assert.Equal(2, calls);
        Assert.Equal("answer 1", first);
        Assert.Equal("answer 1", second);
        Assert.Equal("answer 1", third);
        Assert.Equal("answer 2", otherModel);
        Assert.Equal(new LlmCacheStatistics(Hits: 2, Misses: 2), _cache.Statistics);
        Assert.Equal(0.5, _cache.Statistics.HitRate);
        Assert.Equal(2, _cache.GetPersistedHitCount("summarise", "the prompt", "model-a"));
        Assert.Equal(0, _cache.GetPersistedHitCount("summarise", "the prompt", "model-b"));
        await _cache.GetOrCreateAsync("summarise", "the prompt", "model-b", Model);
        Assert.Equal(1, await _cache.GetPersistedHitCountAsync("summarise", "the prompt", "model-b"));
        Assert.Equal(2, calls);
    }

    [ConformanceFact]
    public async Task A_long_answer_is_returned_whole_to_the_first_caller_and_replayed_whole()
    {
        var answer = SampleText.Long(100_000);

        var first = await _cache.GetOrCreateAsync("write", "a long essay", "model", _ => Task.FromResult(answer));
        var replay = await _cache.GetOrCreateAsync("write", "a long essay", "model", _ => Task.FromResult("unused"));

        Assert.Equal(answer, first);
        Assert.Equal(answer, replay);
        Assert.Equal(answer, _idempotency.Find(LlmOutputCache.CreateKey("write", "a long essay", "model"))!.Result);
    }

    [ConformanceFact]
    public async Task A_factory_that_throws_caches_nothing()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => _cache.GetOrCreateAsync("op", "p", "m", _ => throw new HttpRequestException("rate limited")));

        var retried = await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("fine now"));

        Assert.Equal("fine now", retried);
        Assert.Equal(new LlmCacheStatistics(Hits: 0, Misses: 1), _cache.Statistics);
    }

    [ConformanceFact]
    public async Task An_expired_answer_is_asked_for_again_and_cached_again()
    {
        var options = new LlmCacheOptions { TimeToLive = TimeSpan.FromDays(1) };
        await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("monday"), options);
        _clock.Advance(TimeSpan.FromDays(1));

        var refreshed = await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("tuesday"), options);
        var cached = await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("unused"), options);

        Assert.Equal("tuesday", refreshed);
        Assert.Equal("tuesday", cached);
    }

    [ConformanceFact]
    public async Task Force_refresh_asks_again_and_caches_the_new_answer()
    {
        await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("old"));

        var refreshed = await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("new"), new LlmCacheOptions { ForceRefresh = true });

        Assert.Equal("new", refreshed);
        Assert.Equal("new", await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("unused")));
    }

    [ConformanceFact]
    public async Task Requests_whose_joined_parts_would_collide_are_cached_apart()
    {
        await _cache.GetOrCreateAsync("a:b", "c", "m", _ => Task.FromResult("first"));

        var other = await _cache.GetOrCreateAsync("a", "b:c", "m", _ => Task.FromResult("second"));

        Assert.Equal("second", other);
    }

    [ConformanceFact]
    public async Task A_failure_on_one_host_is_never_cached_and_another_host_asks_the_model_again_then_both_share_the_answer()
    {
        using var otherHost = new IdempotencyStore(Database.Open(), "worker-2", _clock);
        var other = new LlmOutputCache(otherHost);

        await Assert.ThrowsAsync<TimeoutException>(() => _cache.GetOrCreateAsync("chat", "prompt", "model", _ => throw new TimeoutException("the model timed out")));
        var calls = 0;
        var answer = await other.GetOrCreateAsync("chat", "prompt", "model", _ => Task.FromResult($"answer {++calls}"));
        var cached = await _cache.GetOrCreateAsync("chat", "prompt", "model", _ => Task.FromResult($"answer {++calls}"));

        Assert.Equal("answer 1", answer);
        Assert.Equal("answer 1", cached);
        Assert.Equal(1, calls);
        Assert.Equal(new LlmCacheStatistics(Hits: 0, Misses: 1), other.Statistics);
        Assert.Equal(new LlmCacheStatistics(Hits: 1, Misses: 0), _cache.Statistics);
    }
}

public sealed class LlmOutputCacheTests_Sqlite(SqliteProvider provider) : LlmOutputCacheTests<SqliteProvider>(provider);

public sealed class LlmOutputCacheTests_PostgreSql(PostgreSqlProvider provider) : LlmOutputCacheTests<PostgreSqlProvider>(provider);
