using System.Diagnostics.Metrics;
using AgentOs.Sdk.Idempotency;

namespace AgentOs.Sdk.Extensions.AI;

/// <summary>The <see cref="Meter"/> of the output cache: <c>agentos.chat_cache.requests</c>, tagged <c>agentos.cache.source</c> = hit, miss, waited or rerun.</summary>
public static class ChatCacheTelemetry
{
    /// <summary>The meter's name: <c>AgentOs.Sdk.Extensions.AI</c>.</summary>
    public const string MeterName = "AgentOs.Sdk.Extensions.AI";

    /// <summary>The counter's name.</summary>
    public const string RequestsCounterName = "agentos.chat_cache.requests";

    // Instruments are immutable once created; one meter per library is the Microsoft.Extensions.* convention.
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(RequestsCounterName, "{request}", "Chat requests seen by the AgentOs output cache, by where the answer came from.");

    internal static void Record(LlmCacheSource source, string operation) =>
        Requests.Add(
            1,
            new KeyValuePair<string, object?>("agentos.cache.source", source switch
            {
                LlmCacheSource.Hit => "hit",
                LlmCacheSource.Miss => "miss",
                LlmCacheSource.Waited => "waited",
                _ => "rerun",
            }),
            new KeyValuePair<string, object?>("agentos.cache.operation", operation));
}
