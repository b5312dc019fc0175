using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario5_LlmCacheStress(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task A_thousand_prompts_twice_give_a_fifty_percent_hit_rate_and_four_processes_at_once_call_the_model_once_per_prompt()
    {
        var result = await RunAsync(5);

        Assert.Equal(1000, result.Metrics["hits"]);
        Assert.Equal(1000, result.Metrics["misses"]);
        // The several-process round: 4 processes, 100 new prompts and the 1,000 recorded each.
        Assert.Equal(4, result.Metrics["concurrent_processes"]);
        Assert.Equal(4 * 1100, result.Metrics["concurrent_calls"]);
        Assert.Equal(100, result.Metrics["concurrent_executions"]);
    }
}
