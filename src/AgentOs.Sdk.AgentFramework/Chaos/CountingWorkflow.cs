using System.Globalization;
using AgentOs.Sdk.IO;
using Microsoft.Agents.AI.Workflows;

namespace AgentOs.Sdk.AgentFramework.Chaos;

/// <summary>
/// The workflow drill 9 kills: three executors in a loop (add, scale, check), one super step each, so a run of
/// <c>rounds</c> rounds takes 3 x rounds checkpoints. Messages carry the round and a running sum, and two executors keep
/// state of their own in the checkpoints, so a resume that lost a message or a state value gives a wrong output.
/// </summary>
internal static class CountingWorkflow
{
    public const string Input = "1,0,0";

    public static Workflow Build(int rounds, string resultPath)
    {
        var add = new AddExecutor();
        var scale = new ScaleExecutor();
        var check = new CheckExecutor(rounds, resultPath);
        return new WorkflowBuilder(add)
            .AddEdge(add, scale)
            .AddEdge(scale, check)
            .AddEdge(check, add)
            .WithOutputFrom(check)
            .Build();
    }

    /// <summary>The output a run of <paramref name="rounds"/> rounds must end with, computed without the framework.</summary>
    public static string Expected(int rounds)
    {
        long sum = 0;
        for (var round = 1; round <= rounds; round++)
        {
            sum = Scale(sum + ((long)round * round));
        }

        return Output(rounds, sum, rounds, rounds);
    }

    internal static long Scale(long sum) => (sum * 31 + 7) % 1_000_003;

    internal static string Output(int rounds, long sum, int adds, int checks) =>
        string.Create(CultureInfo.InvariantCulture, $"rounds={rounds} sum={sum} adds={adds} checks={checks}");

    // A message is "round,sum,adds": adds is the add executor's own count, kept in its checkpointed state.
    internal static (int Round, long Sum, int Adds) Parse(string message)
    {
        var parts = message.Split(',');
        return (
            int.Parse(parts[0], CultureInfo.InvariantCulture),
            long.Parse(parts[1], CultureInfo.InvariantCulture),
            parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0);
    }

    internal static string Format(int round, long sum, int adds) => string.Create(CultureInfo.InvariantCulture, $"{round},{sum},{adds}");

    [SendsMessage(typeof(string))]
    private sealed class AddExecutor() : Executor<string>("add")
    {
        private const string StateKey = "adds";
        private int _adds;

        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            var (round, sum, _) = Parse(message);
            _adds++;
            await context.SendMessageAsync(Format(round, sum + ((long)round * round), _adds), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        protected override ValueTask OnCheckpointingAsync(IWorkflowContext context, CancellationToken cancellationToken = default) =>
            context.QueueStateUpdateAsync(StateKey, _adds, cancellationToken: cancellationToken);

        protected override async ValueTask OnCheckpointRestoredAsync(IWorkflowContext context, CancellationToken cancellationToken = default) =>
            _adds = await context.ReadStateAsync<int>(StateKey, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    [SendsMessage(typeof(string))]
    private sealed class ScaleExecutor() : Executor<string>("scale")
    {
        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            var (round, sum, adds) = Parse(message);
            await context.SendMessageAsync(Format(round, CountingWorkflow.Scale(sum), adds), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    [SendsMessage(typeof(string))]
    [YieldsOutput(typeof(string))]
    private sealed class CheckExecutor(int rounds, string resultPath) : Executor<string>("check")
    {
        private const string StateKey = "checks";
        private int _checks;

        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            var (round, sum, adds) = Parse(message);
            _checks++;
            if (round < rounds)
            {
                await context.SendMessageAsync(Format(round + 1, sum, adds), cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            var output = Output(rounds, sum, adds, _checks);
            // The result is the run's durable effect: written atomically before the output is announced, and written
            // again (same bytes) if a kill lands after it and before this super step's checkpoint.
            await AtomicFile.WriteAllTextAsync(resultPath, output, cancellationToken).ConfigureAwait(false);
            await context.YieldOutputAsync(output, cancellationToken).ConfigureAwait(false);
        }

        protected override ValueTask OnCheckpointingAsync(IWorkflowContext context, CancellationToken cancellationToken = default) =>
            context.QueueStateUpdateAsync(StateKey, _checks, cancellationToken: cancellationToken);

        protected override async ValueTask OnCheckpointRestoredAsync(IWorkflowContext context, CancellationToken cancellationToken = default) =>
            _checks = await context.ReadStateAsync<int>(StateKey, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
