using System.Globalization;
using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Extensions.AI;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace AgentOs.Sdk.AI.Tests.ExtensionsAI;

/// <summary>
/// FunctionInvokingChatClient over the output cache, with a tool wrapped in the ledger, in a real child process that is
/// SIGKILLed after the tool's effect and before the model's answer; a new process resumes the same conversation.
/// </summary>
public sealed class FunctionInvocationKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task After_a_kill_between_the_tool_and_the_answer_the_resumed_run_replays_and_the_effect_stays_at_one()
    {
        var database = _temp.Combine("agent.db");
        var effects = _temp.Combine("effects.log");
        AgentOsStore.Open(database).Dispose();

        // Run 1: the model asks for the tool, the tool charges the card, and the process dies before the model answers.
        await using (var run = WorkerPool.Start(1, ConversationAsync, Options(database, effects, crashBeforeAnswer: true)))
        {
            var worker = run.Workers[0];
            await worker.WaitForOutputAsync(line => line == "tool-ran").WaitAsync(TimeSpan.FromMinutes(2));
            worker.Kill();
            var killed = await worker.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(9, killed.Signal);
        }

        Assert.Single(File.ReadAllLines(effects));

        // Run 2: the same conversation in a new process.
        var lines = new List<string>();
        var options = Options(database, effects, crashBeforeAnswer: false);
        options.OutputLineReceived = (_, line) => { lock (lines) { lines.Add(line); } };
        var results = await WorkerPool.RunAsync(1, ConversationAsync, options).WaitAsync(TimeSpan.FromMinutes(2));
        lock (lines)
        {
            output.WriteLine(string.Join('\n', lines));
        }

        Assert.True(results[0].Succeeded, results[0].StderrTail);
        Assert.Single(File.ReadAllLines(effects));
        Assert.Contains("answer: charged order o-17: receipt r-1", lines);
        // The first model turn and the tool were replayed; the answer turn, whose claim died with run 1, went to the model once more.
        Assert.Contains("chat hits=1 misses=0 waits=0 reruns=1", lines);
        Assert.Contains("tool executions=0 replays=1", lines);
        Assert.Contains("model calls=1", lines);
    }

    private WorkerPoolOptions Options(string database, string effects, bool crashBeforeAnswer)
    {
        var options = new WorkerPoolOptions { Directory = _temp.Combine("workers"), HostPath = AiTestHost.Path, Timeout = TimeSpan.FromMinutes(2) };
        options.Arguments["db"] = database;
        options.Arguments["effects"] = effects;
        options.Arguments["crash"] = crashBeforeAnswer;
        return options;
    }

    private static async Task<int> ConversationAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        var crash = context.GetArgument<bool>("crash");
        var effects = context.GetArgument<string>("effects");
        using var store = AgentOsStore.Open(context.GetArgument<string>("db"));
        // A short claim: the killed process held the claim on the answer turn, and the resumed run waits it out.
        using var idempotency = new IdempotencyStore(store, $"worker-{Environment.ProcessId}", options: new IdempotencyOptions { ClaimDuration = TimeSpan.FromSeconds(2), PollInterval = TimeSpan.FromMilliseconds(50) });
        var ledger = new ToolLedger(idempotency);
        var receipts = 0;
        var charge = AIFunctionFactory.Create(
            (string orderId) =>
            {
                // The external effect: one line per charge, flushed to disk before the tool returns.
                using (var file = new FileStream(effects, FileMode.Append, FileAccess.Write))
                using (var writer = new StreamWriter(file))
                {
                    writer.WriteLine(orderId);
                    writer.Flush();
                    file.Flush(flushToDisk: true);
                }

                return $"receipt r-{++receipts}";
            },
            "charge_card").WithToolLedger(ledger);

        var model = new FakeChatClient();
        model.Respond = async (messages, _, ct) =>
        {
            var result = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault();
            if (result is null)
            {
                return new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", "charge_card", new Dictionary<string, object?> { ["orderId"] = "o-17" })]))
                {
                    FinishReason = ChatFinishReason.ToolCalls,
                };
            }

            if (crash)
            {
                Console.WriteLine("tool-ran");
                await Task.Delay(Timeout.Infinite, ct);
            }

            return new ChatResponse(new ChatMessage(ChatRole.Assistant, $"charged order o-17: {result.Result}"));
        };

        var cache = new LlmOutputCache(idempotency);
        using var client = model.AsBuilder()
            .UseFunctionInvocation()
            .UseAgentOsOutputCache(cache, o => o.Scope = (_, _) => "order-o-17")
            .Build();
        var answer = await client.GetResponseAsync("Charge order o-17, please.", new ChatOptions { Tools = [charge] }, cancellationToken);

        var stats = client.GetService<AgentOsOutputCacheChatClient>()!.Statistics;
        Console.WriteLine($"answer: {answer.Text}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chat hits={stats.Hits} misses={stats.Misses} waits={stats.Waits} reruns={stats.ReRuns}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tool executions={ledger.Statistics.Executions} replays={ledger.Statistics.Replays}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model calls={model.Calls}"));
        return 0;
    }
}
