using System.Security.Cryptography;
using AgentOs.Cli.Commands;
using System.Text;

namespace AgentOs.Cli.Durability;

/// <summary>
/// The crash-state explorer: records a scenario's real system calls in a child process under strace, checks that the
/// recording replays to exactly the directory the child left, then enumerates the crash states of each persistence
/// model, and checks every distinct state with <see cref="CrashStateChecker"/>.
/// </summary>
internal sealed class DurabilityExplorer
{
    /// <summary>How many violating states a result keeps described (all are counted).</summary>
    public const int MaxDescribedViolations = 5;

    private readonly ChildCommand _child;
    private readonly string _workRoot;

    /// <param name="child">Starts the program that has the hidden <c>durability-child</c> command (the agentos tool).</param>
    /// <param name="workRoot">An empty directory to work in; the caller deletes it.</param>
    public DurabilityExplorer(ChildCommand child, string workRoot)
    {
        _child = child;
        _workRoot = workRoot;
    }

    /// <summary>Records <paramref name="scenario"/> and explores it under each of <paramref name="models"/>.</summary>
    public IReadOnlyList<ExplorationResult> Explore(CrashScenario scenario, IEnumerable<PersistenceModel> models)
    {
        RecordedTrace trace = Record(scenario);
        string directory = Path.Combine(_workRoot, scenario.Name, "dir");
        return [.. models.Select(model => Explore(scenario, trace, model, directory))];
    }

    /// <summary>Prepares the scenario's directory and records its operation's system calls in a child process.</summary>
    public RecordedTrace Record(CrashScenario scenario)
    {
        string scenarioRoot = Path.Combine(_workRoot, scenario.Name);
        string directory = Path.Combine(scenarioRoot, "dir");
        if (Directory.Exists(scenarioRoot))
        {
            Directory.Delete(scenarioRoot, recursive: true);
        }

        Directory.CreateDirectory(directory);
        scenario.Setup(directory);
        Dictionary<string, byte[]> before = CrashStateChecker.Snapshot(directory);
        var initialNames = new Dictionary<string, int>(StringComparer.Ordinal);
        var initialContents = new Dictionary<int, byte[]>();
        foreach ((string name, byte[] bytes) in before.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            initialNames[name] = initialNames.Count + 1;
            initialContents[initialNames.Count] = bytes;
        }

        string begin = Path.Combine(scenarioRoot, "begin.sentinel");
        string returned = Path.Combine(scenarioRoot, "returned.sentinel");
        string log = Path.Combine(scenarioRoot, "strace.log");
        StraceRecorder.Record(_child, [DurabilityChildCommand.Name, scenario.Name, directory, begin, returned], log, TimeSpan.FromMinutes(2));
        RecordedTrace trace = StraceParser.Parse(File.ReadLines(log), directory, begin, returned, initialNames, initialContents);

        // The recording must replay to what the child really left, or its torn states would not be real ones.
        CrashState replayed = new CrashStateEnumerator(trace, PersistenceModel.Posix).Everything();
        Dictionary<string, byte[]> after = CrashStateChecker.Snapshot(directory);
        if (!CrashStateChecker.SameFiles(replayed.Files, after))
        {
            throw new InvalidOperationException(
                $"The strace recording of '{scenario.Name}' does not replay to the directory the child left " +
                $"(replayed: {string.Join(", ", replayed.Files.Keys.Order(StringComparer.Ordinal))}; on disk: {string.Join(", ", after.Keys.Order(StringComparer.Ordinal))}).");
        }

        return trace;
    }

    private static ExplorationResult Explore(CrashScenario scenario, RecordedTrace trace, PersistenceModel model, string directory)
    {
        var enumerator = new CrashStateEnumerator(trace, model);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var described = new List<Violation>();
        int states = 0, violating = 0;
        foreach (CrashState state in enumerator.Enumerate())
        {
            if (!seen.Add(Fingerprint(state)))
            {
                continue;
            }

            states++;
            List<string> problems = CrashStateChecker.Check(scenario, state, directory, model);
            if (problems.Count > 0)
            {
                violating++;
                if (described.Count < MaxDescribedViolations)
                {
                    described.Add(new Violation(state.Description, string.Join("; ", problems)));
                }
            }
        }

        return new ExplorationResult(scenario, model, trace.Ops.Count, enumerator.Combinations, states, enumerator.Sampled, violating, described);
    }

    private static string Fingerprint(CrashState state)
    {
        var text = new StringBuilder(state.AfterReturn ? "returned|" : "running|");
        foreach ((string name, byte[] bytes) in state.Files.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(Convert.ToHexString(SHA256.HashData(bytes))).Append('|');
        }

        return text.ToString();
    }
}

/// <summary>One violating crash state: how to reach it, and which promises it breaks.</summary>
internal sealed record Violation(string State, string Problems);

/// <summary>What exploring one scenario under one model found.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Model">The persistence model.</param>
/// <param name="Calls">Recorded calls that change the directory or sync it.</param>
/// <param name="Combinations">Crash point and persistence choices generated.</param>
/// <param name="States">Distinct directory states checked (equal states from different choices are checked once).</param>
/// <param name="Sampled">Whether some crash point had too many choices and was sampled.</param>
/// <param name="ViolatingStates">How many distinct states broke a promise.</param>
/// <param name="Violations">The first few violating states, described.</param>
internal sealed record ExplorationResult(
    CrashScenario Scenario, PersistenceModel Model, int Calls, long Combinations, int States, bool Sampled, int ViolatingStates, IReadOnlyList<Violation> Violations);
