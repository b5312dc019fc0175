using System.Globalization;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;

namespace AgentOs.Samples.AgentFramework;

/// <summary>
/// The workflow: for each topic, <c>draft</c> asks the model for a draft, then <c>publish</c> asks it to polish the draft
/// and appends the result to a file with a tool. Two executors in a loop, one super step (one checkpoint) each, so three
/// topics take six steps. Messages carry the topic's index and text, so the executors keep no state of their own.
/// </summary>
internal static class PublishingWorkflow
{
    public static readonly string[] Topics = ["checkpoints", "leases", "ledgers"];

    public static int Steps => Topics.Length * 2;

    public static Workflow Build(IChatClient model, AIFunction appendLine, Action<string, int> stepDone)
    {
        var draft = new DraftExecutor(model, stepDone);
        var publish = new PublishExecutor(model, appendLine, stepDone);
        return new WorkflowBuilder(draft)
            .AddEdge(draft, publish)
            .AddEdge(publish, draft)
            .WithOutputFrom(publish)
            .Build();
    }

    // A message is "index|text".
    private static (int Index, string Text) Parse(string message)
    {
        int bar = message.IndexOf('|', StringComparison.Ordinal);
        return (int.Parse(message[..bar], CultureInfo.InvariantCulture), message[(bar + 1)..]);
    }

    private static string Format(int index, string text) => string.Create(CultureInfo.InvariantCulture, $"{index}|{text}");

    [SendsMessage(typeof(string))]
    private sealed class DraftExecutor(IChatClient model, Action<string, int> stepDone) : Executor<string>("draft")
    {
        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            var (index, _) = Parse(message);
            ChatResponse draft = await model.GetResponseAsync($"Draft: {Topics[index]}", cancellationToken: cancellationToken);
            await context.SendMessageAsync(Format(index, draft.Text), cancellationToken: cancellationToken);
            stepDone(Id, index);
        }
    }

    [SendsMessage(typeof(string))]
    [YieldsOutput(typeof(string))]
    private sealed class PublishExecutor(IChatClient model, AIFunction appendLine, Action<string, int> stepDone) : Executor<string>("publish")
    {
        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            var (index, draft) = Parse(message);
            ChatResponse polished = await model.GetResponseAsync($"Polish: {draft}", cancellationToken: cancellationToken);
            // The tool's effect: one line appended to the published file (made durable by WithToolLedger in Program.cs).
            await appendLine.InvokeAsync(new AIFunctionArguments { ["index"] = index, ["line"] = polished.Text }, cancellationToken);
            if (index + 1 < Topics.Length)
            {
                await context.SendMessageAsync(Format(index + 1, string.Empty), cancellationToken: cancellationToken);
            }
            else
            {
                await context.YieldOutputAsync(string.Create(CultureInfo.InvariantCulture, $"published {Topics.Length} lines"), cancellationToken);
            }

            stepDone(Id, index);
        }
    }
}
