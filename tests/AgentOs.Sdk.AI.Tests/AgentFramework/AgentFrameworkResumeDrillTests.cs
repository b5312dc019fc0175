using System.Globalization;
using AgentOs.Sdk.AgentFramework.Chaos;
using AgentOs.Sdk.AI.Tests.TestSupport;
using AgentOs.Sdk.Chaos;
using Xunit.Abstractions;

namespace AgentOs.Sdk.AI.Tests.AgentFramework;

/// <summary>Drill 9 with real worker processes: at least 50 SIGKILLs of running workflows, each resumed to the right output.</summary>
public sealed class AgentFrameworkResumeDrillTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new("agentos-af-drill-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Fifty_kills_of_running_workflows_each_resume_to_the_right_output_and_every_checkpoint_verifies()
    {
        // AGENTOS_CHAOS_SEED replays a failed run's kill points.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AGENTOS_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed} (set AGENTOS_CHAOS_SEED={seed} to replay)");
        var drill = new AgentFrameworkResumeDrill(new AgentFrameworkResumeDrillOptions { Kills = 50 });
        var options = new ChaosDrillOptions
        {
            WorkDirectory = _temp.Combine("drills"),
            EvidenceDirectory = _temp.Combine("evidence"),
            WorkerHostPath = AiTestHost.Path,
            Seed = seed,
            // WAL with synchronous=NORMAL loses nothing to a SIGKILL (only to power loss), and keeps the 50 kills fast.
            Store = new AgentOs.Sdk.Storage.StoreOptions { Synchronous = AgentOs.Sdk.Storage.SynchronousMode.Normal },
            Progress = new Progress(p => output.WriteLine($"[{p.Name}] {p.Message}")),
        };

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var result = await ChaosDrills.RunAsync(drill, options, timeout.Token);

        foreach (var (name, value) in result.Metrics)
        {
            output.WriteLine($"  {name} = {value:0.###}");
        }

        Assert.True(result.Passed, $"{result.Name} failed (seed {result.Seed}): {result.Error}");
        Assert.Equal(9, result.Number);
        Assert.True(result.Metrics["kills"] >= 50);
        Assert.True(result.Metrics["workflows_completed"] >= 2);
        Assert.True(result.Metrics["checkpoints_verified"] > 0);
    }

    private sealed class Progress(Action<ChaosProgress> report) : IProgress<ChaosProgress>
    {
        public void Report(ChaosProgress value) => report(value);
    }
}
