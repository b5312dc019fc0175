using System.Globalization;
using AgentOs.Sdk.Idempotency;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// Scenario 6: 500 tool commands executed through the tool ledger, then the same 500 again: every second call replays the
/// recorded result (exit code, stdout and stderr identical), 500 executions, 500 replays, replay rate 50%.
/// </summary>
public sealed class ToolReplayStressDrill : ChaosDrill
{
    private const int Commands = 500;

    /// <inheritdoc />
    public override int Number => 6;

    /// <inheritdoc />
    public override string Name => "Scenario6_ToolReplayStress";

    /// <inheritdoc />
    public override string Description => "500 commands executed, then replayed with identical results: replay rate 50%.";

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
                var command = string.Create(CultureInfo.InvariantCulture, $"grep -c pattern-{i} input-{context.Seed}.txt");
                var outcome = await ledger.ExecuteOrReplayAsync(
                    "shell",
                    command,
                    _ =>
                    {
                        executions++;
                        return Task.FromResult(new ToolResult(0, string.Create(CultureInfo.InvariantCulture, $"{i * 7}\n"), i % 10 == 0 ? "warning: slow disk\n" : string.Empty));
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
        return string.Create(CultureInfo.InvariantCulture, $"{stats.Executions} executed, {stats.Replays} replayed identically, replay rate {stats.ReplayRate:P0}");
    }
}
