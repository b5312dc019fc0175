using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario1_Kill9Recovery(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task The_last_checkpoint_after_a_sigkill_loads_and_verifies()
    {
        var result = await RunAsync(1);

        Assert.True(result.Metrics["resumed_at"] >= result.Metrics["killed_after"]);
    }
}
