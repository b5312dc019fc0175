using AgentOs.Sdk.Chaos.Drills;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

[Trait("Category", "Chaos")]
[Collection(ChaosScenario.Collection)]
public sealed class Scenario10_TwoHosts(ITestOutputHelper output) : ChaosScenario(output)
{
    // The tool runs 1,000 items with 3 workers per host; the suite runs a fifth of that to stay fast. Same code, same checks.
    internal static TwoHostsDrill TestSize() => new(new TwoHostsDrillOptions { Items = 200, WorkersPerHost = 2 });

    [Fact]
    public async Task Host_b_and_the_sweep_finish_every_item_exactly_once_after_host_a_is_killed_and_its_zombie_is_refused()
    {
        var result = await RunAsync(TestSize());

        var m = result.Metrics;
        Assert.Equal(200, m["effects_by_host_a"] + m["effects_by_host_b"]);
        Assert.InRange(m["done_at_kill"], m["stall_after"], 199);
        Assert.True(m["leases_held_at_kill"] >= 1);
        // Three writes per lease host A held (effect, renew, release), every one refused.
        Assert.Equal(3 * m["leases_held_at_kill"], m["zombie_writes_attempted"]);
        Assert.Equal(m["zombie_writes_attempted"], m["zombie_writes_refused"]);
    }
}
