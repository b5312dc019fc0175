using System.Globalization;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// The several-process round of drills 5 and 6 (issue 14: replays from one process at a time never met the lock defect
/// that replays from several processes at once did). <see cref="Workers"/> worker processes, released together, race for
/// the same <see cref="FreshKeys"/> new keys in the same order (half the operations answer at once, half after
/// <see cref="SlowOperation"/>), then replay every key recorded earlier, in shuffled orders. This class starts the round
/// and checks the workers' reports; <see cref="ConcurrentReplayWorker"/> is the worker's side.
/// </summary>
internal static class ConcurrentReplayRound
{
    /// <summary>How many worker processes race.</summary>
    public const int Workers = 4;

    /// <summary>How many new keys they race for.</summary>
    public const int FreshKeys = 100;

    /// <summary>How long an odd fresh key's operation takes.</summary>
    public static readonly TimeSpan SlowOperation = TimeSpan.FromMilliseconds(10);

    /// <summary>The worker options of a round over the drill's database <paramref name="store"/>, whose first <paramref name="recorded"/> keys are recorded.</summary>
    public static WorkerPoolOptions Options(ChaosDrillContext context, string store, int recorded)
    {
        var shared = context.PathOf("round");
        Directory.CreateDirectory(shared);
        var options = context.WorkerOptions("pool");
        context.PassStore(options, store);
        options.Arguments["shared"] = shared;
        options.Arguments["recorded"] = recorded;
        options.Arguments["seed"] = context.Seed;
        return options;
    }

    /// <summary>The answer (or tool output) of fresh key <paramref name="index"/> when worker <paramref name="worker"/> produced it.</summary>
    public static string FreshAnswer(int index, int worker) => string.Create(CultureInfo.InvariantCulture, $"fresh-{index}-by-worker-{worker}");

    /// <summary>
    /// Checks the round: every worker exited cleanly with no failed call and no wrong replay, each fresh key's operation ran
    /// exactly once in all processes together, every worker got that one run's answer, and no call waited as long as the
    /// busy timeout (the signature of a write lock held across another write, issue 14). Records the round's metrics.
    /// </summary>
    /// <returns>The headline of the round.</returns>
    public static string Check(ChaosDrillContext context, WorkerPoolOptions options, IReadOnlyList<WorkerResult> results, int recorded, TimeSpan elapsed)
    {
        foreach (var result in results)
        {
            context.Require(result.Succeeded, string.Create(CultureInfo.InvariantCulture, $"worker {result.WorkerId} failed ({result.Outcome}): {result.StderrTail}"));
        }

        var shared = options.Arguments["shared"]!.GetValue<string>();
        var reports = Enumerable.Range(0, Workers).Select(w => ConcurrentReplayWorker.ReadReport(shared, w)).ToList();
        var executedBy = new Dictionary<int, List<int>>();
        for (var w = 0; w < Workers; w++)
        {
            foreach (var line in File.ReadLines(ConcurrentReplayWorker.EffectLog(shared, w)))
            {
                var index = int.Parse(line, CultureInfo.InvariantCulture);
                (executedBy.TryGetValue(index, out var list) ? list : executedBy[index] = []).Add(w);
            }
        }

        var twice = executedBy.Where(e => e.Value.Count > 1).Select(e => string.Create(CultureInfo.InvariantCulture, $"key {e.Key} by workers {string.Join(", ", e.Value)}")).ToList();
        context.Require(twice.Count == 0, $"operations that ran more than once: {string.Join("; ", twice)}");
        context.RequireEqual(FreshKeys, executedBy.Count, "fresh keys whose operation ran");
        context.RequireEqual((long)FreshKeys, reports.Sum(r => r.Executions), "executions reported by the API");
        context.RequireEqual(0L, reports.Sum(r => r.Errors), "failed calls");
        context.RequireEqual(0L, reports.Sum(r => r.Wrong), "replays that differ from the recorded result");
        context.RequireEqual((long)Workers * (FreshKeys + recorded), reports.Sum(r => r.Calls), "calls");
        for (var w = 0; w < Workers; w++)
        {
            for (var i = 0; i < FreshKeys; i++)
            {
                var expected = FreshAnswer(i, executedBy[i][0]);
                var got = reports[w].FreshAnswers.GetValueOrDefault(i);
                context.Require(got == expected, string.Create(CultureInfo.InvariantCulture, $"worker {w} got '{got}' for fresh key {i}; the one run recorded '{expected}'"));
            }
        }

        var slowest = TimeSpan.FromMicroseconds(reports.Max(r => r.SlowestMicroseconds));
        if (!context.Options.StoreProvider.IsServer)
        {
            // Issue 14's stall: a call that waited out SQLite's busy timeout behind a write lock held on the same flow. A server
            // store has no busy timeout (a row lock is waited for until its holder commits, and a stuck one ends in the
            // command timeout, which the error count above already catches), so there the slowest call is only measured.
            var busyTimeout = context.Options.Store.BusyTimeout;
            context.Require(slowest < busyTimeout, string.Create(CultureInfo.InvariantCulture, $"a call took {slowest.TotalMilliseconds:0} ms, as long as the busy timeout ({busyTimeout.TotalMilliseconds:0} ms): it waited out a held write lock"));
        }

        var calls = reports.Sum(r => r.Calls);
        context.Measure("concurrent_processes", Workers);
        context.Measure("concurrent_calls", calls);
        context.Measure("concurrent_executions", reports.Sum(r => r.Executions));
        if (reports.All(r => r.Waits is not null))
        {
            // Only the LLM cache says whether a call waited for another process's answer.
            context.Measure("concurrent_waits", reports.Sum(r => r.Waits!.Value));
        }

        context.Measure("concurrent_slowest_call_ms", slowest.TotalMilliseconds);
        context.Measure("concurrent_seconds_incl_process_start", elapsed.TotalSeconds);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{Workers} processes at once: {FreshKeys} new keys run once each, {calls} calls, 0 errors, slowest {slowest.TotalMilliseconds:0} ms");
    }
}
