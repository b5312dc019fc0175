using AgentOs.Sdk.Idempotency;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.Extensions.AI;

/// <summary>Adds the AgentOs output cache to a <see cref="ChatClientBuilder"/> pipeline.</summary>
public static class AgentOsChatClientBuilderExtensions
{
    /// <summary>
    /// Adds an <see cref="AgentOsOutputCacheChatClient"/>: a request answered before (by this or another process, before
    /// a crash or after) is replayed from <paramref name="cache"/> instead of calling the model.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="cache">The cache; the caller keeps ownership of its store.</param>
    /// <param name="configure">Sets the key's scope, the operation name, the time to live or the JSON options.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks>
    /// Add it outside <c>UseFunctionInvocation()</c> to replay whole tool-calling conversations, or inside it to replay
    /// each model turn (tools then run again unless they are wrapped with
    /// <see cref="AgentOsAIFunctionExtensions.WithToolLedger"/>).
    /// </remarks>
    public static ChatClientBuilder UseAgentOsOutputCache(this ChatClientBuilder builder, LlmOutputCache cache, Action<AgentOsOutputCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cache);
        var options = new AgentOsOutputCacheOptions();
        configure?.Invoke(options);
        return builder.Use(inner => new AgentOsOutputCacheChatClient(inner, cache, options));
    }
}
