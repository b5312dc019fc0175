using Microsoft.Extensions.AI;

namespace AgentOs.Samples.AgentFramework;

/// <summary>Stands in for a model: deterministic, no network, and it counts the calls that reach it. Replace it with your IChatClient.</summary>
internal sealed class FakeChatClient : IChatClient
{
    private int _calls;

    /// <summary>Requests that reached the model in this process (a replayed answer never gets here).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        // Real agents spend most of their time waiting for the model.
        await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        string prompt = messages.Last().Text;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, Answer(prompt)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (ChatResponseUpdate update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    // "Draft: leases" -> "leases: a draft"; "Polish: leases: a draft" -> "Leases: a draft, polished."
    private static string Answer(string prompt) => prompt switch
    {
        _ when prompt.StartsWith("Draft: ", StringComparison.Ordinal) => $"{prompt["Draft: ".Length..]}: a draft",
        _ when prompt.StartsWith("Polish: ", StringComparison.Ordinal) => $"{char.ToUpperInvariant(prompt["Polish: ".Length])}{prompt["Polish: ".Length..][1..]}, polished.",
        _ => "?",
    };
}
