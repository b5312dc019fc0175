using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario6_ToolReplayStress(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task Five_hundred_commands_replay_identically_and_four_processes_at_once_run_each_new_command_once()
    {
        var result = await RunAsync(6);

        Assert.Equal(500, result.Metrics["executions"]);
        Assert.Equal(500, result.Metrics["replays"]);
        // The several-process round: 4 processes, 100 new commands and the 500 recorded each.
        Assert.Equal(4, result.Metrics["concurrent_processes"]);
        Assert.Equal(4 * 600, result.Metrics["concurrent_calls"]);
        Assert.Equal(100, result.Metrics["concurrent_executions"]);
    }
}
