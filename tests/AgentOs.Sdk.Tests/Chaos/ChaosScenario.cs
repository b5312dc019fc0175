using System.Globalization;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.Tests.TestSupport;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

/// <summary>Runs one built-in drill against real worker processes (the TestHost) and fails with the drill's error and evidence path.</summary>
public abstract class ChaosScenario(ITestOutputHelper output) : IDisposable
{
    /// <summary>The drills run one after another: each measures contention, and side by side they would measure each other.</summary>
    public const string Collection = "Chaos drills";

    private readonly TempDirectory _temp = new("agentos-chaos-");

    public void Dispose()
    {
        _temp.Dispose();
        GC.SuppressFinalize(this);
    }

    protected Task<ChaosDrillResult> RunAsync(int number, ChaosStoreProvider? provider = null) =>
        RunAsync(ChaosDrills.All.Single(d => d.Number == number), provider);

    /// <summary>Runs <paramref name="drill"/> on SQLite files, or on fresh databases of <paramref name="provider"/>.</summary>
    protected async Task<ChaosDrillResult> RunAsync(ChaosDrill drill, ChaosStoreProvider? provider = null)
    {
        // AGENTOS_CHAOS_SEED replays a failed run's random choices.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AGENTOS_CHAOS_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s
            : Random.Shared.Next();
        var options = new ChaosDrillOptions
        {
            WorkDirectory = _temp.Combine("drills"),
            EvidenceDirectory = Path.Combine(AppContext.BaseDirectory, "store", "artifacts", "chaos-failures"),
            WorkerHostPath = TestHostProgram.Path,
            Seed = seed,
            Progress = new SynchronousProgress(p => output.WriteLine($"[{p.Name}] {p.Message}")),
            StoreProvider = provider ?? ChaosStoreProvider.Sqlite,
        };
        output.WriteLine($"{drill.Name}: seed {seed} (set AGENTOS_CHAOS_SEED={seed} to replay)");

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var result = await ChaosDrills.RunAsync(drill, options, timeout.Token);

        output.WriteLine($"{result.Name}: {(result.Passed ? "passed" : "FAILED")} in {result.Duration.TotalSeconds:0.00} s: {result.KeyFigure}");
        foreach (var (name, value) in result.Metrics)
        {
            output.WriteLine($"  {name} = {value:0.###}");
        }

        Assert.True(result.Passed, $"{result.Name} failed (seed {result.Seed}): {result.Error}\nfailure evidence: {result.EvidencePath}");
        Assert.True(result.Metrics["checks"] > 0);
        return result;
    }

    private sealed class SynchronousProgress(Action<ChaosProgress> report) : IProgress<ChaosProgress>
    {
        public void Report(ChaosProgress value) => report(value);
    }
}
