namespace AgentOs.Sdk.Extensions.AI;

/// <summary>A snapshot of an <see cref="AgentOsOutputCacheChatClient"/>'s counters since it was created.</summary>
/// <param name="Hits">Answers replayed from the store without calling the model.</param>
/// <param name="Misses">Requests sent to the model and recorded.</param>
/// <param name="Waits">Requests that waited for another caller (thread or process) answering the same request, then replayed its answer.</param>
/// <param name="ReRuns">Requests sent to the model again because an earlier caller's claim expired without an answer (it died).</param>
public readonly record struct ChatCacheStatistics(long Hits, long Misses, long Waits, long ReRuns)
{
    /// <summary>Answers that did not call the model (hits and waits) divided by all requests; 0 before the first.</summary>
    public double HitRate => Hits + Misses + Waits + ReRuns == 0 ? 0 : (double)(Hits + Waits) / (Hits + Misses + Waits + ReRuns);
}
