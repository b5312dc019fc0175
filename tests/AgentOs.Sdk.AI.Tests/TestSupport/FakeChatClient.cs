using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.AI.Tests.TestSupport;

/// <summary>
/// A deterministic chat client that needs no network: it answers with <see cref="Respond"/> (by default an echo of the last
/// user message with usage, a finish reason and additional properties), streams the answer word by word, and counts calls.
/// </summary>
public sealed class FakeChatClient : IChatClient
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public string ModelId { get; init; } = "fake-model-1";

    /// <summary>Builds the answer; may throw or wait to play a failing or slow model.</summary>
    public Func<IEnumerable<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>> Respond { get; set; } = (messages, _, _) => Task.FromResult(Echo(messages));

    public static ChatResponse Echo(IEnumerable<ChatMessage> messages)
    {
        var last = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, $"echo: {last}") { MessageId = "msg-1" })
        {
            ResponseId = "resp-1",
            ModelId = "fake-model-1",
            CreatedAt = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero),
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 11, OutputTokenCount = 7, TotalTokenCount = 18 },
            AdditionalProperties = new AdditionalPropertiesDictionary { ["system_fingerprint"] = "fp-42" },
        };
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        return await Respond(messages.ToList(), options, cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        var response = await Respond(messages.ToList(), options, cancellationToken);
        // One update per word, then the usage and finish reason, as a real streaming model sends them.
        var words = response.Text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? words[i] : " " + words[i])
            {
                ResponseId = response.ResponseId,
                MessageId = "msg-1",
                ModelId = response.ModelId,
                CreatedAt = response.CreatedAt,
            };
        }

        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ResponseId = response.ResponseId,
            MessageId = "msg-1",
            FinishReason = response.FinishReason,
            Contents = response.Usage is { } usage ? [new UsageContent(usage)] : [],
            AdditionalProperties = response.AdditionalProperties,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", defaultModelId: ModelId) : null;

    public void Dispose()
    {
    }
}
