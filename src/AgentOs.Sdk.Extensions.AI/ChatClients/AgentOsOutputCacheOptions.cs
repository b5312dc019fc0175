using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.Extensions.AI;

/// <summary>Options for <see cref="AgentOsOutputCacheChatClient"/>.</summary>
public sealed class AgentOsOutputCacheOptions
{
    /// <summary>The operation name the answers are recorded under (part of the key). Default <c>chat</c>.</summary>
    public string Operation { get; set; } = "chat";

    /// <summary>
    /// Returns the scope of a request (for example <c>$"{taskId}/{step}"</c>), or null for none. The scope is part of the
    /// key, so two steps that ask the same question get answers of their own. Default: no scope.
    /// </summary>
    public Func<IEnumerable<ChatMessage>, ChatOptions?, string?>? Scope { get; set; }

    /// <summary>How long an answer is replayed; null uses the store's default; <see cref="Timeout.InfiniteTimeSpan"/> keeps it forever.</summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// How messages, options and responses are turned into JSON for the key and the record. Default
    /// <see cref="AIJsonUtilities.DefaultOptions"/>; use options that know your custom <see cref="AIContent"/> types.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = AIJsonUtilities.DefaultOptions;
}
