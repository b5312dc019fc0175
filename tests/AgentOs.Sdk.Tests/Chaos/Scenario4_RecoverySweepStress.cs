using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario4_RecoverySweepStress(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task One_sweep_recovers_a_hundred_expired_leases()
    {
        var result = await RunAsync(4);

        Assert.Equal(100, result.Metrics["recovered"]);
    }
}
