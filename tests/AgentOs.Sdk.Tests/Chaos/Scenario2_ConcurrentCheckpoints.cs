using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario2_ConcurrentCheckpoints(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task Ten_processes_write_ten_checkpoints_each_into_their_own_databases()
    {
        var result = await RunAsync(2);

        Assert.Equal(10, result.Metrics["databases"]);
        Assert.Equal(100, result.Metrics["checkpoints"]);
    }
}
