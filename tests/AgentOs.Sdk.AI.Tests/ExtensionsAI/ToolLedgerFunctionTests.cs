using System.Text.Json;
using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Extensions.AI;
using AgentOs.Sdk.Idempotency;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.AI.Tests.ExtensionsAI;

public sealed class ToolLedgerFunctionTests : IDisposable
{
    private readonly StoreFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task The_effect_runs_once_per_arguments_in_any_order_and_the_result_is_replayed()
    {
        var effects = 0;
        var transfer = AIFunctionFactory.Create((string from, string to, int amount) => $"moved {amount} from {from} to {to} (#{Interlocked.Increment(ref effects)})", "transfer");
        var durable = transfer.WithToolLedger(_fixture.Ledger);

        var first = await durable.InvokeAsync(new AIFunctionArguments { ["from"] = "a", ["to"] = "b", ["amount"] = 5 });
        var reordered = await durable.InvokeAsync(new AIFunctionArguments { ["amount"] = 5, ["to"] = "b", ["from"] = "a" });
        var other = await durable.InvokeAsync(new AIFunctionArguments { ["from"] = "a", ["to"] = "b", ["amount"] = 6 });

        Assert.Equal(2, effects);
        Assert.Equal("moved 5 from a to b (#1)", ((JsonElement)first!).GetString());
        Assert.Equal("moved 5 from a to b (#1)", ((JsonElement)reordered!).GetString());
        Assert.Equal("moved 6 from a to b (#2)", ((JsonElement)other!).GetString());
        Assert.Equal(new ToolLedgerStatistics(Executions: 2, Replays: 1), _fixture.Ledger.Statistics);
        Assert.Equal("transfer", durable.Name);
        Assert.Equal(transfer.JsonSchema.GetRawText(), durable.JsonSchema.GetRawText());
    }

    [Fact]
    public async Task A_key_selector_makes_the_tool_own_key_decide()
    {
        var effects = 0;
        var pay = AIFunctionFactory.Create((string orderId, string note) => Interlocked.Increment(ref effects), "pay");
        var durable = pay.WithToolLedger(_fixture.Ledger, args => (string)args["orderId"]!);

        await durable.InvokeAsync(new AIFunctionArguments { ["orderId"] = "o-1", ["note"] = "first try" });
        var replay = await durable.InvokeAsync(new AIFunctionArguments { ["orderId"] = "o-1", ["note"] = "reworded by the model" });

        Assert.Equal(1, effects);
        Assert.Equal(1, ((JsonElement)replay!).GetInt32());
        Assert.Equal(ToolLedger.CreateKey("pay", "o-1"), durable.IdempotencyKeyOf(new AIFunctionArguments { ["orderId"] = "o-1" }));
    }

    [Fact]
    public async Task A_tool_that_throws_records_no_result_and_runs_again()
    {
        var attempts = 0;
        var flaky = AIFunctionFactory.Create((int n) => Interlocked.Increment(ref attempts) == 1 ? throw new IOException("disk full") : n * 2, "flaky");
        var durable = flaky.WithToolLedger(_fixture.Ledger);

        await Assert.ThrowsAsync<IOException>(async () => await durable.InvokeAsync(new AIFunctionArguments { ["n"] = 21 }));
        var result = await durable.InvokeAsync(new AIFunctionArguments { ["n"] = 21 });
        var replay = await durable.InvokeAsync(new AIFunctionArguments { ["n"] = 21 });

        Assert.Equal(2, attempts);
        Assert.Equal(42, ((JsonElement)result!).GetInt32());
        Assert.Equal(42, ((JsonElement)replay!).GetInt32());
    }

    [Fact]
    public async Task A_structured_result_survives_the_round_trip_across_a_restart()
    {
        var lookup = AIFunctionFactory.Create((string city) => new Forecast(city, [3.5, -1.0], "snow"), "forecast");
        await lookup.WithToolLedger(_fixture.Ledger).InvokeAsync(new AIFunctionArguments { ["city"] = "Oslo" });

        using var restarted = new StoreFixture(_fixture.DatabasePath, owner: "restarted");
        var replay = (JsonElement)(await AIFunctionFactory.Create((string city) => (Forecast?)null, "forecast")
            .WithToolLedger(restarted.Ledger).InvokeAsync(new AIFunctionArguments { ["city"] = "Oslo" }))!;

        Assert.Equal("Oslo", replay.GetProperty("city").GetString());
        Assert.Equal(-1.0, replay.GetProperty("temperatures")[1].GetDouble());
        Assert.Equal("snow", replay.GetProperty("summary").GetString());
        Assert.Equal(1, restarted.Ledger.Statistics.Replays);
    }

    public sealed record Forecast(string City, double[] Temperatures, string Summary);
}
