using System.Globalization;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 6: 500 tool commands executed through the tool ledger, then the same 500 again: every second call replays the
/// recorded result (exit code, stdout and stderr identical), 500 executions, 500 replays, replay rate 50%. Then four
/// processes at once (a <see cref="ConcurrentReplayRound"/>) race for 100 new commands and replay the 500: each new command
/// runs once in all processes together, every process gets its result, every replay is identical, and no call fails or stalls.
/// </summary>
public sealed class ToolReplayStressDrill : ChaosDrill
{
    private const int Commands = 500;

    /// <inheritdoc />
    public override int Number => 6;

    /// <inheritdoc />
    public override string Name => "Scenario6_ToolReplayStress";

    /// <inheritdoc />
    public override string Description => "500 commands executed, then replayed identically (replay rate 50%); then 4 processes at once race for 100 new commands and replay the 500: each runs once.";

    /// <inheritdoc />
    public override bool SupportsServerStores => true;

    /// <inheritdoc />
    protected internal override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        using var store = context.OpenStore("tool-ledger");
        using var idempotency = new IdempotencyStore(store, "drill-6");
        var ledger = new ToolLedger(idempotency);
        var executions = 0;
        var first = new ToolResult[Commands];
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < Commands; i++)
            {
                var index = i;
                var outcome = await ledger.ExecuteOrReplayAsync(
                    "shell",
                    Command(i, context.Seed),
                    _ =>
                    {
                        executions++;
                        return Task.FromResult(Result(index));
                    },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                context.Require(outcome.Replayed == (pass == 1), $"command {i} pass {pass + 1}: replayed is {outcome.Replayed}");
                if (pass == 0)
                {
                    first[i] = outcome.Result;
                }
                else
                {
                    context.Require(outcome.Result == first[i], $"command {i}: the replayed result differs from the executed one");
                }
            }
        }

        var stats = ledger.Statistics;
        context.RequireEqual(Commands, executions, "commands actually executed");
        context.RequireEqual((long)Commands, stats.Executions, "executions");
        context.RequireEqual((long)Commands, stats.Replays, "replays");
        context.RequireEqual(0.5, stats.ReplayRate, "replay rate");
        context.Measure("executions", stats.Executions);
        context.Measure("replays", stats.Replays);
        var single = string.Create(CultureInfo.InvariantCulture, $"{stats.Executions} executed, {stats.Replays} replayed identically, replay rate {stats.ReplayRate:P0}");

        context.Report(string.Create(CultureInfo.InvariantCulture, $"{ConcurrentReplayRound.Workers} processes at once: {ConcurrentReplayRound.FreshKeys} new commands and the {Commands} recorded"));
        var options = ConcurrentReplayRound.Options(context, "tool-ledger", Commands);
        var round = System.Diagnostics.Stopwatch.GetTimestamp();
        var results = await WorkerPool.RunAsync(ConcurrentReplayRound.Workers, RaceAndReplayAsync, options, cancellationToken).ConfigureAwait(false);
        return single + "; " + ConcurrentReplayRound.Check(context, options, results, Commands, System.Diagnostics.Stopwatch.GetElapsedTime(round));
    }

    private static string Command(int index, int seed) => string.Create(CultureInfo.InvariantCulture, $"grep -c pattern-{index} input-{seed}.txt");

    private static string FreshCommand(int index, int seed) => string.Create(CultureInfo.InvariantCulture, $"wc -l new-input-{index}-{seed}.txt");

    private static ToolResult Result(int index) =>
        new(0, string.Create(CultureInfo.InvariantCulture, $"{index * 7}\n"), index % 10 == 0 ? "warning: slow disk\n" : string.Empty);

    // A worker of the several-process round: fresh commands first (racing the others), then replays of the recorded ones.
    private static async Task<int> RaceAndReplayAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        using var worker = new ConcurrentReplayWorker(context);
        using var store = ChaosWorkerStore.Open(context);
        using var idempotency = new IdempotencyStore(store, $"drill-6-worker-{context.WorkerId}", options: ConcurrentReplayWorker.IdempotencyOptions);
        var ledger = new ToolLedger(idempotency);
        var seed = DrillStore.Argument<int>(context, "seed");
        await worker.WaitForOthersAsync(cancellationToken).ConfigureAwait(false);
        await worker.RunAsync(seed, async key =>
        {
            var fresh = key < 0;
            var index = fresh ? -1 - key : key;
            var outcome = await ledger.ExecuteOrReplayAsync(
                "shell",
                fresh ? FreshCommand(index, seed) : Command(index, seed),
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

                    return fresh ? new ToolResult(0, ConcurrentReplayRound.FreshAnswer(index, context.WorkerId), string.Empty) : Result(index);
                },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!fresh && outcome.Result != Result(index))
            {
                worker.Wrong(index, $"replayed exit {outcome.Result.ExitCode}, stdout '{outcome.Result.Stdout}'");
            }

            return (!outcome.Replayed, null, outcome.Result.Stdout);
        }).ConfigureAwait(false);
        worker.WriteReport();
        return 0;
    }
}
