using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario7_FullE2E(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task A_killed_task_resumes_in_a_new_process_and_succeeds()
    {
        var result = await RunAsync(7);

        Assert.True(result.Metrics["resumed_at_step"] > result.Metrics["killed_after_step"]);
    }
}
