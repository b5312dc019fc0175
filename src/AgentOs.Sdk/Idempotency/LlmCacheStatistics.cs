namespace AgentOs.Sdk.Idempotency;

/// <summary>A snapshot of an <see cref="LlmOutputCache"/>'s counters since it was created.</summary>
/// <param name="Hits">Answers served from the cache (including answers another caller produced while this one waited).</param>
/// <param name="Misses">Answers produced by calling the factory.</param>
public readonly record struct LlmCacheStatistics(long Hits, long Misses)
{
    /// <summary>Hits divided by all lookups; 0 before the first lookup.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}
