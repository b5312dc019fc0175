namespace AgentOs.Sdk.Idempotency;

/// <summary>Per-call options for <see cref="LlmOutputCache.GetOrCreateAsync"/>.</summary>
public sealed class LlmCacheOptions
{
    /// <summary>How long the answer is served from the cache; null uses <see cref="IdempotencyOptions.DefaultTimeToLive"/>; <see cref="Timeout.InfiniteTimeSpan"/> keeps it forever.</summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>Ask the model again even if an answer is cached, and cache the new answer.</summary>
    public bool ForceRefresh { get; set; }
}
