using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario8_SharedDatabaseContention(ITestOutputHelper output) : ChaosScenario(output)
{
    [Fact]
    public async Task Twenty_processes_writing_one_database_lose_no_write()
    {
        var result = await RunAsync(8);

        Assert.Equal(500, result.Metrics["checkpoints"]);
    }
}
