using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario3_LeaseExpiration(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task An_expired_lease_is_taken_over_and_the_zombie_is_refused()
    {
        var result = await RunAsync(3);

        Assert.Equal(result.Metrics["epoch_a"] + 1, result.Metrics["epoch_b"]);
    }
}
