namespace AgentOs.Sdk.Idempotency;

/// <summary>Where an answer returned by <see cref="LlmOutputCache.GetOrCreateEntryAsync"/> came from.</summary>
public enum LlmCacheSource
{
    /// <summary>Recorded earlier and read from the store; the factory did not run.</summary>
    Hit,

    /// <summary>Not recorded: this call ran the factory and recorded its answer.</summary>
    Miss,

    /// <summary>Another caller (thread or process) was producing the answer; this call waited for it and did not run the factory.</summary>
    Waited,

    /// <summary>
    /// An earlier caller's claim expired without an answer (it presumably died): this call ran the factory again and
    /// recorded its answer.
    /// </summary>
    ReRun,
}
