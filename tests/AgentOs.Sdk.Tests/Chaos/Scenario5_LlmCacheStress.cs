using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario5_LlmCacheStress(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task A_thousand_prompts_twice_give_a_fifty_percent_hit_rate()
    {
        var result = await RunAsync(5);

        Assert.Equal(1000, result.Metrics["hits"]);
        Assert.Equal(1000, result.Metrics["misses"]);
    }
}
