using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Extensions.AI;
using AgentOs.Sdk.Idempotency;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.AI.Tests.ExtensionsAI;

public sealed class OutputCacheChatClientTests : IDisposable
{
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static AgentOsOutputCacheChatClient Cached(IChatClient inner, LlmOutputCache cache, Action<AgentOsOutputCacheOptions>? configure = null) =>
        inner.AsBuilder().UseAgentOsOutputCache(cache, configure).Build().GetService<AgentOsOutputCacheChatClient>()
        ?? throw new InvalidOperationException("The pipeline has no AgentOs output cache.");

    [Fact]
    public async Task An_answered_request_is_replayed_without_calling_the_model_even_after_a_restart()
    {
        var model = new FakeChatClient();
        var client = Cached(model, _fixture.Cache);

        var first = await client.GetResponseAsync("What is 2 + 2?");
        var second = await client.GetResponseAsync("What is 2 + 2?");

        Assert.Equal(1, model.Calls);
        Assert.Equal("echo: What is 2 + 2?", first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(new ChatCacheStatistics(Hits: 1, Misses: 1, Waits: 0, ReRuns: 0), client.Statistics);

        // A new process: a new store over the same file, a new pipeline, the same request.
        using var restarted = new StoreFixture(_fixture.DatabasePath, owner: "restarted");
        var again = Cached(model, restarted.Cache);
        var third = await again.GetResponseAsync("What is 2 + 2?");
        Assert.Equal(1, model.Calls);
        Assert.Equal(first.Text, third.Text);
        Assert.Equal(1, again.Statistics.Hits);
    }

    [Fact]
    public void The_key_ignores_property_order_message_ids_and_explicit_nulls_but_not_what_changes_the_answer()
    {
        var client = Cached(new FakeChatClient(), _fixture.Cache, o => o.Scope = (_, options) => options?.AdditionalProperties?.TryGetValue("step", out var step) == true ? step?.ToString() : null);
        ChatMessage[] Ask(string? id = null) => [new(ChatRole.System, "Be brief.") { MessageId = id }, new(ChatRole.User, "Hello")];
        var a = new ChatOptions { Temperature = 0.2f, AdditionalProperties = new() { ["x"] = 1, ["y"] = "two" } };
        var b = new ChatOptions { AdditionalProperties = new() { ["y"] = "two", ["x"] = 1 }, Temperature = 0.2f, TopK = null };

        var key = client.GetCacheKey(Ask("m-1"), a);
        Assert.Equal(key, client.GetCacheKey(Ask("m-2"), b));
        Assert.NotEqual(key, client.GetCacheKey(Ask(), new ChatOptions { Temperature = 0.3f, AdditionalProperties = new() { ["x"] = 1, ["y"] = "two" } }));
        Assert.NotEqual(key, client.GetCacheKey(Ask(), new ChatOptions { ModelId = "other-model", Temperature = 0.2f, AdditionalProperties = new() { ["x"] = 1, ["y"] = "two" } }));
        Assert.NotEqual(key, client.GetCacheKey([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hello!")], a));
        Assert.NotEqual(key, client.GetCacheKey(Ask(), new ChatOptions { Temperature = 0.2f, AdditionalProperties = new() { ["x"] = 1, ["y"] = "two", ["step"] = "plan" } }));
        // The default model id comes from the inner client's metadata: another model is another key.
        var other = Cached(new FakeChatClient { ModelId = "fake-model-2" }, _fixture.Cache);
        Assert.NotEqual(client.GetCacheKey(Ask()), other.GetCacheKey(Ask()));
        // Tools are part of the key: the model answers differently when it may call one.
        var tool = AIFunctionFactory.Create((int n) => n * 2, "double");
        Assert.NotEqual(client.GetCacheKey(Ask(), a), client.GetCacheKey(Ask(), new ChatOptions { Temperature = 0.2f, AdditionalProperties = new() { ["x"] = 1, ["y"] = "two" }, Tools = [tool] }));
    }

    [Fact]
    public async Task Scopes_keep_two_steps_asking_the_same_question_apart()
    {
        var model = new FakeChatClient();
        var step = "plan";
        var client = Cached(model, _fixture.Cache, o => o.Scope = (_, _) => $"task-1/{step}");

        await client.GetResponseAsync("Same question");
        step = "review";
        await client.GetResponseAsync("Same question");
        await client.GetResponseAsync("Same question");

        Assert.Equal(2, model.Calls);
        Assert.Equal(new ChatCacheStatistics(1, 2, 0, 0), client.Statistics);
    }

    [Fact]
    public async Task A_failed_call_is_never_recorded_and_the_next_call_asks_the_model_again()
    {
        var model = new FakeChatClient();
        var failures = 1;
        model.Respond = (messages, _, _) => failures-- > 0 ? throw new HttpRequestException("model unavailable") : Task.FromResult(FakeChatClient.Echo(messages));
        var client = Cached(model, _fixture.Cache);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync("Hi"));
        var answer = await client.GetResponseAsync("Hi");

        Assert.Equal("echo: Hi", answer.Text);
        Assert.Equal(2, model.Calls);
        var record = _fixture.Idempotency.Find(client.GetCacheKey([new ChatMessage(ChatRole.User, "Hi")]));
        Assert.Equal(IdempotencyStatus.Succeeded, record!.Status);
    }

    [Fact]
    public async Task A_cancelled_call_is_never_recorded()
    {
        var model = new FakeChatClient();
        using var cancel = new CancellationTokenSource();
        model.Respond = async (messages, _, ct) =>
        {
            await cancel.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return FakeChatClient.Echo(messages);
        };
        var client = Cached(model, _fixture.Cache);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync("Hi", cancellationToken: cancel.Token));
        model.Respond = (messages, _, _) => Task.FromResult(FakeChatClient.Echo(messages));
        await client.GetResponseAsync("Hi");

        Assert.Equal(2, model.Calls);
        Assert.Equal(new ChatCacheStatistics(0, 1, 0, 0), client.Statistics);
    }

    [Fact]
    public async Task A_request_in_flight_elsewhere_is_waited_for_not_sent_twice()
    {
        // Two owners over one database file: the second caller sees the first one's claim in the store.
        using var other = new StoreFixture(_fixture.DatabasePath, owner: "other-process", options: new IdempotencyOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        var model = new FakeChatClient();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        model.Respond = async (messages, _, _) =>
        {
            entered.TrySetResult();
            await release.Task;
            return FakeChatClient.Echo(messages);
        };
        var first = Cached(model, _fixture.Cache);
        var second = Cached(model, other.Cache);

        var running = first.GetResponseAsync("Slow question");
        await entered.Task;
        var waiting = second.GetResponseAsync("Slow question");
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        release.SetResult();

        Assert.Equal((await running).Text, (await waiting).Text);
        Assert.Equal(1, model.Calls);
        Assert.Equal(new ChatCacheStatistics(0, 0, 1, 0), second.Statistics);
    }

    [Fact]
    public async Task An_expired_claim_of_a_dead_caller_is_run_once_more()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var options = new IdempotencyOptions { ClaimDuration = TimeSpan.FromMinutes(1) };
        using var dead = new StoreFixture(_fixture.DatabasePath, owner: "dead-process", timeProvider: clock, options: options);
        using var alive = new StoreFixture(_fixture.DatabasePath, owner: "alive-process", timeProvider: clock, options: options);
        var model = new FakeChatClient();
        var client = Cached(model, alive.Cache);
        var key = client.GetCacheKey([new ChatMessage(ChatRole.User, "Hi")]);
        // The dead process claimed the request and never answered it.
        Assert.Equal(IdempotencyClaimStatus.Acquired, dead.Idempotency.TryClaim(key).Status);
        clock.Advance(TimeSpan.FromMinutes(2));

        var answer = await client.GetResponseAsync("Hi");
        var again = await client.GetResponseAsync("Hi");

        Assert.Equal("echo: Hi", answer.Text);
        Assert.Equal(answer.Text, again.Text);
        Assert.Equal(1, model.Calls);
        Assert.Equal(new ChatCacheStatistics(1, 0, 0, 1), client.Statistics);
    }

    [Fact]
    public async Task A_streamed_answer_is_recorded_when_the_stream_completes_and_replayed_as_updates()
    {
        var model = new FakeChatClient();
        var client = Cached(model, _fixture.Cache);

        var live = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("stream this please"))
        {
            live.Add(update);
        }

        var replayed = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("stream this please"))
        {
            replayed.Add(update);
        }

        var whole = await client.GetResponseAsync("stream this please");
        Assert.Equal(1, model.Calls);
        Assert.Equal(5, live.Count);
        Assert.Equal("echo: stream this please", live.ToChatResponse().Text);
        Assert.Equal("echo: stream this please", replayed.ToChatResponse().Text);
        Assert.Equal(ChatFinishReason.Stop, replayed.ToChatResponse().FinishReason);
        Assert.Equal(18, replayed.ToChatResponse().Usage?.TotalTokenCount);
        Assert.Equal("echo: stream this please", whole.Text);
        Assert.Equal(new ChatCacheStatistics(2, 1, 0, 0), client.Statistics);
    }

    [Fact]
    public async Task A_stream_cut_off_records_nothing()
    {
        var model = new FakeChatClient();
        var client = Cached(model, _fixture.Cache);

        await foreach (var update in client.GetStreamingResponseAsync("cut me off"))
        {
            Assert.Equal("echo:", update.Text);
            break;
        }

        var key = client.GetCacheKey([new ChatMessage(ChatRole.User, "cut me off")]);
        Assert.NotEqual(IdempotencyStatus.Succeeded, _fixture.Idempotency.Find(key)?.Status);
        var answer = await client.GetResponseAsync("cut me off");
        Assert.Equal("echo: cut me off", answer.Text);
        Assert.Equal(2, model.Calls);
    }
}
