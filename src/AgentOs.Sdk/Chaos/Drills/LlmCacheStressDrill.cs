using System.Globalization;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 5: 1,000 distinct prompts through the LLM output cache, then the same 1,000: 1,000 misses, 1,000 hits, hit rate
/// 50%, the model called exactly 1,000 times, every answer identical. Then four processes at once (a
/// <see cref="ConcurrentReplayRound"/>) race for 100 new prompts and replay the 1,000: the model is called once per new
/// prompt in all processes together, every process gets that answer, every replay is a hit, and no call fails or stalls.
/// </summary>
public sealed class LlmCacheStressDrill : ChaosDrill
{
    private const int Prompts = 1_000;
    private const string Model = "fake-model-1";

    /// <inheritdoc />
    public override int Number => 5;

    /// <inheritdoc />
    public override string Name => "Scenario5_LlmCacheStress";

    /// <inheritdoc />
    public override string Description => "1,000 prompts, then the same 1,000 (hit rate 50%); then 4 processes at once race for 100 new prompts and replay the 1,000: one model call per prompt.";

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
                var index = i;
                var answer = await cache.GetOrCreateAsync(
                    "summarise",
                    Prompt(i, context.Seed),
                    Model,
                    _ =>
                    {
                        modelCalls++;
                        return Task.FromResult(Answer(index));
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
        var single = string.Create(CultureInfo.InvariantCulture, $"{stats.Misses} misses, {stats.Hits} hits, hit rate {stats.HitRate:P0}");

        context.Report(string.Create(CultureInfo.InvariantCulture, $"{ConcurrentReplayRound.Workers} processes at once: {ConcurrentReplayRound.FreshKeys} new prompts and the {Prompts} recorded"));
        var options = ConcurrentReplayRound.Options(context, "llm-cache", Prompts);
        var round = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = await WorkerPool.RunAsync(ConcurrentReplayRound.Workers, RaceAndReplayAsync, options, cancellationToken).ConfigureAwait(false);
        return single + "; " + ConcurrentReplayRound.Check(context, options, results, Prompts, System.Diagnostics.Stopwatch.GetElapsedTime(round));
    }

    private static string Prompt(int index, int seed) => string.Create(CultureInfo.InvariantCulture, $"Summarise document {index} (seed {seed})");

    private static string FreshPrompt(int index, int seed) => string.Create(CultureInfo.InvariantCulture, $"Summarise new document {index} (seed {seed})");

    private static string Answer(int index) => string.Create(CultureInfo.InvariantCulture, $"summary of {index}: {new string('x', index % 50)}");

    // A worker of the several-process round: fresh prompts first (racing the others), then replays of the recorded ones.
    private static async Task<int> RaceAndReplayAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using var worker = new ConcurrentReplayWorker(context);
        using var store = ChaosWorkerStore.Open(context);
        using var idempotency = new IdempotencyStore(store, $"drill-5-worker-{context.WorkerId}", options: ConcurrentReplayWorker.IdempotencyOptions);
        var cache = new LlmOutputCache(idempotency);
        var seed = DrillStore.Argument<int>(context, "seed");
        await worker.WaitForOthersAsync(cancellationToken).ConfigureAwait(false);
        await worker.RunAsync(seed, async key =>
        {
            var fresh = key < 0;
            var index = fresh ? -1 - key : key;
            var entry = await cache.GetOrCreateEntryAsync(
                "summarise",
                fresh ? FreshPrompt(index, seed) : Prompt(index, seed),
                Model,
                async ct =>
                {
                    if (fresh && index % 2 == 1)
                    {
                        await Task.Delay(ConcurrentReplayRound.SlowOperation, ct).ConfigureAwait(false);
                    }

                    if (fresh)
                    {
                        worker.Executed(index);
                    }

                    return fresh ? ConcurrentReplayRound.FreshAnswer(index, context.WorkerId) : Answer(index);
                },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!fresh && entry.Answer != Answer(index))
            {
                worker.Wrong(index, $"replayed '{entry.Answer}'");
            }

            return (entry.Source is LlmCacheSource.Miss or LlmCacheSource.ReRun, entry.Source == LlmCacheSource.Waited, entry.Answer);
        }).ConfigureAwait(false);
        worker.WriteReport();
        return 0;
    }
}
