using System.Diagnostics;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// Caches LLM answers by operation, model and prompt in an <see cref="IdempotencyStore"/>: the same request is sent to
/// the model once, even by concurrent callers in several processes, and later served from the store.
/// </summary>
/// <remarks>
/// The key is <c>IdempotencyKey.From("llm", operation, model, prompt)</c>. A factory that throws caches nothing (the next
/// call asks the model again). Answers are stored whole, however long. Thread-safe.
/// </remarks>
public sealed class LlmOutputCache
{
    /// <summary>The kind of the keys this cache writes.</summary>
    public const string KeyKind = "llm";

    private readonly IdempotencyStore _store;
    private long _hits;
    private long _misses;

    /// <summary>Creates a cache over <paramref name="store"/>; the caller keeps ownership of the store.</summary>
    public LlmOutputCache(IdempotencyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>This instance's hits and misses so far.</summary>
    public LlmCacheStatistics Statistics => new(Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>The key an answer is stored under.</summary>
    public static IdempotencyKey CreateKey(string operation, string prompt, string model)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(model);
        return IdempotencyKey.From(KeyKind, operation, model, prompt);
    }

    /// <summary>
    /// Returns the cached answer for (<paramref name="operation"/>, <paramref name="prompt"/>, <paramref name="model"/>),
    /// or calls <paramref name="factory"/> once, caches its answer and returns it. While another caller is producing the
    /// answer, waits for it.
    /// </summary>
    /// <exception cref="TimeoutException">Another caller held the request for longer than <see cref="IdempotencyOptions.WaitTimeout"/>.</exception>
    public Task<string> GetOrCreateAsync(
        string operation,
        string prompt,
        string model,
        Func<CancellationToken, Task<string>> factory,
        LlmCacheOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var key = CreateKey(operation, prompt, model);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<string>(cancellationToken);
        }

        var caller = Activity.Current;
        var activity = AgentOsTelemetry.StartCacheLookup();
        ValueTask<IdempotencyOutcome?> replay = default;
        try
        {
            // A hit is answered without entering the claim protocol: one read, no write lock. On SQLite the read completes
            // synchronously and a hit is returned at once; on PostgreSQL it is awaited below, holding no thread meanwhile.
            if (!(options?.ForceRefresh ?? false))
            {
                replay = _store.TryReplayAsync(key, replayFailures: false, async: true, cancellationToken);
            }

            if (replay.IsCompleted && replay.GetAwaiter().GetResult() is { } cached)
            {
                Interlocked.Increment(ref _hits);
                _store.Store.Telemetry.OnCacheLookup(activity, "hit");
                activity?.Dispose();
                return Task.FromResult(cached.Result ?? string.Empty);
            }
        }
        catch (Exception ex) when (ex is StoreException or ObjectDisposedException or OperationCanceledException)
        {
            AgentOsTelemetry.Failed(activity, ex);
            activity?.Dispose();
            return Task.FromException<string>(ex);
        }

        AgentOsTelemetry.Detach(activity, caller);
        return ExecuteAsync(key, operation, model, factory, options, replay.IsCompleted ? null : replay, activity, cancellationToken);
    }

    /// <summary>
    /// Like <see cref="GetOrCreateAsync"/>, and also says where the answer came from (<see cref="LlmCacheSource"/>), so a
    /// caller can count hits, misses, waits for another caller and re-runs after an expired claim.
    /// </summary>
    /// <exception cref="TimeoutException">Another caller held the request for longer than <see cref="IdempotencyOptions.WaitTimeout"/>.</exception>
    public async Task<LlmCacheEntry> GetOrCreateEntryAsync(
        string operation,
        string prompt,
        string model,
        Func<CancellationToken, Task<string>> factory,
        LlmCacheOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var key = CreateKey(operation, prompt, model);
        cancellationToken.ThrowIfCancellationRequested();
        if (!(options?.ForceRefresh ?? false) && await _store.TryReplayAsync(key, replayFailures: false, async: true, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            Interlocked.Increment(ref _hits);
            return new LlmCacheEntry(cached.Result ?? string.Empty, LlmCacheSource.Hit);
        }

        var ran = false;
        var result = await _store.ExecuteAsync(
            key,
            async ct =>
            {
                ran = true;
                var answer = await factory(ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The LLM factory for operation '{operation}' on model '{model}' returned null.");
                return IdempotencyOutcome.Success(answer);
            },
            new IdempotencyExecuteOptions
            {
                Description = $"{operation} on {model}",
                TimeToLive = options?.TimeToLive,
                ForceExecute = options?.ForceRefresh ?? false,
            },
            cancellationToken).ConfigureAwait(false);

        Interlocked.Increment(ref result.Replayed ? ref _hits : ref _misses);
        // Replayed after the fast path missed: another caller recorded the answer while this one waited (or just before it claimed).
        var source = result.Replayed || !ran ? LlmCacheSource.Waited
            : result.PreviousAttemptInDoubt ? LlmCacheSource.ReRun
            : LlmCacheSource.Miss;
        return new LlmCacheEntry(result.Outcome.Result ?? string.Empty, source);
    }

    /// <summary>How many times the answer for this request was served from the store, by every process (the <c>hit_count</c> column).</summary>
    /// <remarks>Writes this store's pending counts first, so the number includes this process's hits.</remarks>
    public long GetPersistedHitCount(string operation, string prompt, string model)
    {
        _store.FlushHitCounts();
        return _store.Find(CreateKey(operation, prompt, model))?.HitCount ?? 0;
    }

    /// <summary>Asynchronous <see cref="GetPersistedHitCount"/>.</summary>
    public async Task<long> GetPersistedHitCountAsync(string operation, string prompt, string model, CancellationToken cancellationToken = default)
    {
        var key = CreateKey(operation, prompt, model);
        await _store.FlushHitCountsAsync(cancellationToken).ConfigureAwait(false);
        return (await _store.FindAsync(key, cancellationToken).ConfigureAwait(false))?.HitCount ?? 0;
    }

    private async Task<string> ExecuteAsync(
        IdempotencyKey key,
        string operation,
        string model,
        Func<CancellationToken, Task<string>> factory,
        LlmCacheOptions? options,
        ValueTask<IdempotencyOutcome?>? pendingReplay,
        Activity? activity,
        CancellationToken cancellationToken)
    {
        // The span goes on here: the factory's own spans (the LLM call) become its children.
        using var span = AgentOsTelemetry.Attach(activity);
        try
        {
            if (pendingReplay is { } replay && await replay.ConfigureAwait(false) is { } cached)
            {
                Interlocked.Increment(ref _hits);
                _store.Store.Telemetry.OnCacheLookup(activity, "hit");
                return cached.Result ?? string.Empty;
            }
        }
        catch (Exception ex) when (ex is StoreException or ObjectDisposedException or OperationCanceledException)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }

        var result = await _store.ExecuteAsync(
            key,
            async ct =>
            {
                var answer = await factory(ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"The LLM factory for operation '{operation}' on model '{model}' returned null.");
                return IdempotencyOutcome.Success(answer);
            },
            new IdempotencyExecuteOptions
            {
                Description = $"{operation} on {model}",
                TimeToLive = options?.TimeToLive,
                ForceExecute = options?.ForceRefresh ?? false,
            },
            cancellationToken).ConfigureAwait(false);

        Interlocked.Increment(ref result.Replayed ? ref _hits : ref _misses);
        _store.Store.Telemetry.OnCacheLookup(activity, result.Replayed ? "wait" : "miss");
        return result.Outcome.Result ?? string.Empty;
    }
}
