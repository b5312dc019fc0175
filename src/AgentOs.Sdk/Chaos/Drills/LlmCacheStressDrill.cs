using System.Globalization;
using AgentOs.Sdk.Idempotency;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 5: 1,000 distinct prompts through the LLM output cache, then the same 1,000 again:
/// 1,000 misses, 1,000 hits, hit rate 50%, the model called exactly 1,000 times, every answer identical.
/// </summary>
public sealed class LlmCacheStressDrill : ChaosDrill
{
    private const int Prompts = 1_000;

    /// <inheritdoc />
    public override int Number => 5;

    /// <inheritdoc />
    public override string Name => "Scenario5_LlmCacheStress";

    /// <inheritdoc />
    public override string Description => "1,000 prompts, then the same 1,000: 1,000 misses, 1,000 hits, hit rate 50%.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        using var store = context.OpenStore("llm-cache");
        using var idempotency = new IdempotencyStore(store, "drill-5");
        var cache = new LlmOutputCache(idempotency);
        var modelCalls = 0;
        var first = new string[Prompts];
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < Prompts; i++)
            {
                var prompt = string.Create(CultureInfo.InvariantCulture, $"Summarise document {i} (seed {context.Seed})");
                var answer = await cache.GetOrCreateAsync(
                    "summarise",
                    prompt,
                    "fake-model-1",
                    _ =>
                    {
                        modelCalls++;
                        return Task.FromResult(string.Create(CultureInfo.InvariantCulture, $"summary of {i}: {new string('x', i % 50)}"));
                    },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                if (pass == 0)
                {
                    first[i] = answer;
                }
                else
                {
                    context.Require(answer == first[i], $"prompt {i}: the cached answer differs from the first one");
                }
            }
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var stats = cache.Statistics;
        context.RequireEqual(Prompts, modelCalls, "calls to the model");
        context.RequireEqual((long)Prompts, stats.Misses, "cache misses");
        context.RequireEqual((long)Prompts, stats.Hits, "cache hits");
        context.RequireEqual(0.5, stats.HitRate, "hit rate");
        context.Measure("hits", stats.Hits);
        context.Measure("misses", stats.Misses);
        context.Measure("lookups_per_second", 2 * Prompts / elapsed.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $"{stats.Misses} misses, {stats.Hits} hits, hit rate {stats.HitRate:P0}");
    }
}
