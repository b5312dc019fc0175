using System.Globalization;

namespace AgentOs.Sdk.Chaos;

/// <summary>What a running drill gets: its own folder, its seeded random source, progress reporting, and its assertions.</summary>
public sealed class ChaosDrillContext
{
    private readonly ChaosDrill _drill;
    private readonly Dictionary<string, double> _metrics = new(StringComparer.Ordinal);
    private readonly List<string> _databases = [];

    internal ChaosDrillContext(ChaosDrill drill, ChaosDrillOptions options, string directory, int seed)
    {
        _drill = drill;
        Options = options;
        Directory = directory;
        Seed = seed;
        Random = new Random(seed);
    }

    /// <summary>The options the drills run with.</summary>
    public ChaosDrillOptions Options { get; }

    /// <summary>A fresh folder that belongs to this drill alone.</summary>
    public string Directory { get; }

    /// <summary>The seed of <see cref="Random"/>.</summary>
    public int Seed { get; }

    /// <summary>The drill's only source of random choices, seeded so that a run can be replayed.</summary>
    public Random Random { get; }

    /// <summary>The databases to describe in failure evidence if the drill fails.</summary>
    public IReadOnlyList<string> Databases => _databases;

    /// <summary>The measurements recorded so far.</summary>
    public IReadOnlyDictionary<string, double> Metrics => _metrics;

    /// <summary>How many assertions the drill has made so far: a drill that passes having checked nothing proves nothing.</summary>
    public int Checks { get; private set; }

    /// <summary>A path inside the drill's folder.</summary>
    public string PathOf(params string[] parts) => System.IO.Path.Combine([Directory, .. parts]);

    /// <summary>Adds a database to the failure evidence of this drill.</summary>
    public void TrackDatabase(string databasePath) => _databases.Add(System.IO.Path.GetFullPath(databasePath));

    /// <summary>Records a measurement.</summary>
    public void Measure(string name, double value) => _metrics[name] = value;

    /// <summary>Reports what the drill is doing.</summary>
    public void Report(string message) => Options.Progress?.Report(new ChaosProgress(_drill.Number, _drill.Name, message));

    /// <summary>Fails the drill unless <paramref name="condition"/> holds.</summary>
    /// <exception cref="ChaosAssertionException">The condition does not hold.</exception>
    public void Require(bool condition, string message)
    {
        Checks++;
        if (!condition)
        {
            throw new ChaosAssertionException(message);
        }
    }

    /// <summary>Fails the drill unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    /// <exception cref="ChaosAssertionException">The values differ.</exception>
    public void RequireEqual<T>(T expected, T actual, string what)
    {
        Checks++;
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new ChaosAssertionException(string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected}, found {actual}."));
        }
    }
}
