using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario6_ToolReplayStress(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task Five_hundred_commands_replay_identically()
    {
        var result = await RunAsync(6);

        Assert.Equal(500, result.Metrics["executions"]);
        Assert.Equal(500, result.Metrics["replays"]);
    }
}
