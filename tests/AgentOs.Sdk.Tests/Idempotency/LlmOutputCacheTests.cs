using System.Text;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Idempotency;

public sealed class LlmOutputCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly AgentOsStore _store;
    private readonly IdempotencyStore _idempotency;
    private readonly LlmOutputCache _cache;

    public LlmOutputCacheTests()
    {
        _store = AgentOsStore.Open(_temp.Combine("llm.db"));
        _idempotency = new IdempotencyStore(_store, "worker-1", _clock);
        _cache = new LlmOutputCache(_idempotency);
    }

    public void Dispose()
    {
        _idempotency.Dispose();
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
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
    }

    [Fact]
    public async Task A_long_answer_is_returned_whole_to_the_first_caller_and_replayed_whole()
    {
        var answer = LongText(100_000);

        var first = await _cache.GetOrCreateAsync("write", "a long essay", "model", _ => Task.FromResult(answer));
        var replay = await _cache.GetOrCreateAsync("write", "a long essay", "model", _ => Task.FromResult("unused"));

        Assert.Equal(answer, first);
        Assert.Equal(answer, replay);
        Assert.Equal(answer, _idempotency.Find(LlmOutputCache.CreateKey("write", "a long essay", "model"))!.Result);
    }

    [Fact]
    public async Task A_factory_that_throws_caches_nothing()
    {
        await Assert.ThrowsAsync<HttpRequestException>(() => _cache.GetOrCreateAsync("op", "p", "m", _ => throw new HttpRequestException("rate limited")));

        var retried = await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("fine now"));

        Assert.Equal("fine now", retried);
        Assert.Equal(new LlmCacheStatistics(Hits: 0, Misses: 1), _cache.Statistics);
    }

    [Fact]
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

    [Fact]
    public async Task Force_refresh_asks_again_and_caches_the_new_answer()
    {
        await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("old"));

        var refreshed = await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("new"), new LlmCacheOptions { ForceRefresh = true });

        Assert.Equal("new", refreshed);
        Assert.Equal("new", await _cache.GetOrCreateAsync("op", "p", "m", _ => Task.FromResult("unused")));
    }

    [Fact]
    public async Task Requests_whose_joined_parts_would_collide_are_cached_apart()
    {
        await _cache.GetOrCreateAsync("a:b", "c", "m", _ => Task.FromResult("first"));

        var other = await _cache.GetOrCreateAsync("a", "b:c", "m", _ => Task.FromResult("second"));

        Assert.Equal("second", other);
    }

    internal static string LongText(int length)
    {
        var builder = new StringBuilder(length);
        var i = 0;
        while (builder.Length < length)
        {
            builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"line {i++}: \"quoted\", tab\t, ünïcødé ✓, emoji 🚀\n");
        }

        return builder.ToString(0, length - 1) + "!";
    }
}
