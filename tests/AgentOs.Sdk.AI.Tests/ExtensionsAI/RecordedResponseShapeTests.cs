using System.Text.Json;
using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Extensions.AI;
using Microsoft.Extensions.AI;
using Snapshooter.Xunit;

namespace AgentOs.Sdk.AI.Tests.ExtensionsAI;

/// <summary>Locks the JSON the cache stores for a response, and checks every part of it comes back on replay.</summary>
public sealed class RecordedResponseShapeTests : IDisposable
{
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static ChatResponse Rich() =>
        new([
            new ChatMessage(ChatRole.Assistant, [
                new TextContent("Let me look that up."),
                new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo", ["days"] = 3 }),
            ]) { MessageId = "msg-1", AuthorName = "planner" },
        ])
        {
            ResponseId = "resp-1",
            ModelId = "fake-model-1",
            CreatedAt = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero),
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = new UsageDetails
            {
                InputTokenCount = 120,
                OutputTokenCount = 30,
                TotalTokenCount = 150,
                AdditionalCounts = new AdditionalPropertiesDictionary<long> { ["cached_input_tokens"] = 64 },
            },
            AdditionalProperties = new AdditionalPropertiesDictionary { ["system_fingerprint"] = "fp-42", ["safety"] = "ok" },
        };

    [Fact]
    public async Task The_stored_json_keeps_usage_finish_reason_tool_calls_and_additional_properties()
    {
        var model = new FakeChatClient { Respond = (_, _, _) => Task.FromResult(Rich()) };
        var client = new AgentOsOutputCacheChatClient(model, _fixture.Cache);

        await client.GetResponseAsync("Weather in Oslo?");

        var stored = _fixture.Idempotency.Find(client.GetCacheKey([new ChatMessage(ChatRole.User, "Weather in Oslo?")]))!.Result!;
        Snapshot.Match(stored);
    }

    [Fact]
    public async Task A_replayed_response_equals_the_original_in_every_recorded_part()
    {
        var model = new FakeChatClient { Respond = (_, _, _) => Task.FromResult(Rich()) };
        var client = new AgentOsOutputCacheChatClient(model, _fixture.Cache);
        var original = await client.GetResponseAsync("Weather in Oslo?");

        var replayed = await client.GetResponseAsync("Weather in Oslo?");

        Assert.Equal(1, model.Calls);
        Assert.NotSame(original, replayed);
        Assert.Equal(ChatFinishReason.ToolCalls, replayed.FinishReason);
        Assert.Equal("resp-1", replayed.ResponseId);
        Assert.Equal("fake-model-1", replayed.ModelId);
        Assert.Equal(original.CreatedAt, replayed.CreatedAt);
        Assert.Equal(150, replayed.Usage!.TotalTokenCount);
        Assert.Equal(120, replayed.Usage.InputTokenCount);
        Assert.Equal(64, replayed.Usage.AdditionalCounts!["cached_input_tokens"]);
        var message = Assert.Single(replayed.Messages);
        Assert.Equal("planner", message.AuthorName);
        Assert.Equal(ChatRole.Assistant, message.Role);
        var call = Assert.Single(message.Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call-1", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Oslo", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Equal(3, ((JsonElement)call.Arguments["days"]!).GetInt32());
        Assert.Equal("fp-42", ((JsonElement)replayed.AdditionalProperties!["system_fingerprint"]!).GetString());
        Assert.Equal("ok", ((JsonElement)replayed.AdditionalProperties["safety"]!).GetString());
    }
}
