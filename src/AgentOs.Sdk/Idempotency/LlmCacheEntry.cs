namespace AgentOs.Sdk.Idempotency;

/// <summary>What <see cref="LlmOutputCache.GetOrCreateEntryAsync"/> returns: the answer and where it came from.</summary>
/// <param name="Answer">The answer, whole.</param>
/// <param name="Source">Whether it was a hit, a miss, a wait for another caller, or a re-run after an expired claim.</param>
public readonly record struct LlmCacheEntry(string Answer, LlmCacheSource Source);
