using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.AgentFramework.Chaos;

/// <summary>
/// Scenario 9: worker processes run a real Microsoft Agent Framework workflow (three executors in a loop, a checkpoint per
/// super step on <see cref="AgentOsCheckpointStore"/>) and are SIGKILLed at random points; after each kill a new process
/// resumes the session from its latest checkpoint, and every workflow ends with the right output. At the end, every
/// indexed checkpoint of every session reads back and verifies.
/// </summary>
/// <remarks>
/// The worker entry runs in the host program (the <c>agentos</c> tool or a test host), which must reference this package.
/// With <see cref="AgentFrameworkResumeDrillOptions.UseFileSystemStore"/> the same loop runs against the framework's own
/// <c>FileSystemJsonCheckpointStore</c> and reports, instead of requiring, the rounds its store could not be used.
/// </remarks>
public sealed class AgentFrameworkResumeDrill : ChaosDrill
{
    // The one database every worker's sessions are checkpointed in: a SQLite file in the drill's folder, or a server database.
    private const string Database = "workflows";

    private readonly AgentFrameworkResumeDrillOptions _options;

    /// <summary>Creates the drill.</summary>
    public AgentFrameworkResumeDrill(AgentFrameworkResumeDrillOptions? options = null)
    {
        _options = options ?? new AgentFrameworkResumeDrillOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Kills, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Workers, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.Rounds, 1, nameof(options));
    }

    /// <inheritdoc />
    public override int Number => 9;

    /// <inheritdoc />
    public override string Name => _options.UseFileSystemStore ? "Scenario9_AgentFrameworkResume_FileSystemStore" : "Scenario9_AgentFrameworkResume";

    /// <inheritdoc />
    public override string Description => _options.UseFileSystemStore
        ? "The drill 9 kill loop against the framework's FileSystemJsonCheckpointStore: counts rounds its store could not be opened or read."
        : "SIGKILL Agent Framework workflows at random points; each resumes from its latest checkpoint and completes with the right output.";

    /// <inheritdoc />
    /// <remarks>The workflows' database comes from the drill context, so the drill runs on a server store too; the comparison against the file-system store does not.</remarks>
    public override bool SupportsServerStores => !_options.UseFileSystemStore;

    /// <inheritdoc />
    protected override async Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = context.PathOf("results");
        var fsRoot = context.PathOf("filesystem-stores");
        Directory.CreateDirectory(results);
        if (!_options.UseFileSystemStore)
        {
            context.OpenStore(Database).Dispose();
        }

        var expected = CountingWorkflow.Expected(_options.Rounds);
        var generation = 0;
        string NewSession(int worker) => string.Create(CultureInfo.InvariantCulture, $"session-w{worker}-g{generation++}");
        var sessions = Enumerable.Range(0, _options.Workers).Select(NewSession).ToArray();
        var allSessions = new List<string>(sessions);

        // A clean run first: its length is the window the kills are spread over.
        var clock = new Stopwatch();
        var clean = await RunRoundAsync(context, results, fsRoot, sessions, killAfter: null, cancellationToken, clock).ConfigureAwait(false);
        // The kills land between a worker's start of the workflow and the time a clean run of it took to finish.
        var window = Math.Max(10, clock.Elapsed.TotalMilliseconds * 0.9);
        context.Report(string.Create(CultureInfo.InvariantCulture, $"a clean run took {clock.Elapsed.TotalMilliseconds:0} ms after its start; {_options.Kills} kills spread over the first {window:0} ms of each run"));
        var completed = Complete(context, results, sessions, clean, expected, allSessions, NewSession, out _);

        int kills = 0, rounds = 0, unusable = 0, unreadable = 0;
        while (kills < _options.Kills)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var delays = sessions.Select(_ => TimeSpan.FromMilliseconds(context.Random.NextDouble() * window)).ToArray();
            var outcome = await RunRoundAsync(context, results, fsRoot, sessions, delays, cancellationToken).ConfigureAwait(false);
            rounds++;
            kills += outcome.Count(r => r.Result.Signal == 9);
            completed += Complete(context, results, sessions, outcome, expected, allSessions, NewSession, out var failures);
            unusable += failures.Unusable;
            unreadable += failures.Unreadable;
            context.Report(string.Create(CultureInfo.InvariantCulture, $"round {rounds}: {kills} kills so far, {completed} workflows completed"));
        }

        // Every session still unfinished resumes once more, undisturbed, and must end with the right output.
        var last = await RunRoundAsync(context, results, fsRoot, sessions, killAfter: null, cancellationToken).ConfigureAwait(false);
        completed += Complete(context, results, sessions, last, expected, allSessions, NewSession, out var lastFailures);
        unusable += lastFailures.Unusable;
        unreadable += lastFailures.Unreadable;

        context.Measure("kills", kills);
        context.Measure("rounds", rounds);
        context.Measure("workflows_completed", completed);
        context.Measure("store_unusable_rounds", unusable);
        context.Measure("unreadable_checkpoint_rounds", unreadable);
        if (_options.UseFileSystemStore)
        {
            context.Require(completed > 0, "no workflow completed on the file-system store");
            return string.Create(CultureInfo.InvariantCulture, $"FileSystemJsonCheckpointStore: {kills} kills, {completed} workflows completed, {unusable} rounds store unusable, {unreadable} rounds unreadable checkpoint");
        }

        var verified = await VerifyAllAsync(context, allSessions).ConfigureAwait(false);
        context.Measure("checkpoints_verified", verified);
        return string.Create(CultureInfo.InvariantCulture, $"{kills} kills, {completed} workflows resumed to the right output, {verified} checkpoints read back and verified");
    }

    private async Task<IReadOnlyList<(WorkerResult Result, List<string> Lines)>> RunRoundAsync(
        ChaosDrillContext context, string results, string fsRoot, string[] sessions, TimeSpan[]? killAfter, CancellationToken cancellationToken, Stopwatch? runTime = null)
    {
        var options = context.WorkerOptions("workers");
        if (!_options.UseFileSystemStore)
        {
            context.PassStore(options, Database);
        }

        options.Arguments["results"] = results;
        options.Arguments["fsroot"] = fsRoot;
        options.Arguments["rounds"] = _options.Rounds;
        options.Arguments["filesystem"] = _options.UseFileSystemStore;
        options.Arguments["sessions"] = new JsonArray([.. sessions.Select(s => (JsonNode)s)]);
        var lines = sessions.Select(_ => new List<string>()).ToArray();
        options.OutputLineReceived = (worker, line) =>
        {
            lock (lines[worker])
            {
                lines[worker].Add(line);
            }
        };

        await using var run = WorkerPool.Start(sessions.Length, ResumeWorker.RunAsync, options);
        if (killAfter is not null)
        {
            await Task.WhenAll(run.Workers.Select(async worker =>
            {
                try
                {
                    await worker.WaitForOutputAsync(line => line.StartsWith("started", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException)
                {
                    // The worker ended before it started the workflow (its store could not be opened): nothing to kill.
                    return;
                }

                await Task.Delay(killAfter[worker.WorkerId], cancellationToken).ConfigureAwait(false);
                worker.Kill();
            })).ConfigureAwait(false);
        }
        else if (runTime is not null)
        {
            await run.Workers[0].WaitForOutputAsync(line => line.StartsWith("started", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            runTime.Start();
            await run.Workers[0].WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            runTime.Stop();
        }

        var ended = await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        return [.. ended.Select(r => (r, lines[r.WorkerId]))];
    }

    private int Complete(
        ChaosDrillContext context,
        string results,
        string[] sessions,
        IReadOnlyList<(WorkerResult Result, List<string> Lines)> outcome,
        string expected,
        List<string> allSessions,
        Func<int, string> newSession,
        out (int Unusable, int Unreadable) failures)
    {
        var completed = 0;
        failures = (0, 0);
        foreach (var (result, lines) in outcome)
        {
            var worker = result.WorkerId;
            var session = sessions[worker];
            var resultPath = Path.Combine(results, session + ".txt");
            if (_options.UseFileSystemStore && result.ExitCode is ResumeWorker.StoreUnusable or ResumeWorker.CheckpointUnreadable)
            {
                // The framework's store lost this session: count it and start the worker on a fresh one.
                failures = result.ExitCode == ResumeWorker.StoreUnusable ? (failures.Unusable + 1, failures.Unreadable) : (failures.Unusable, failures.Unreadable + 1);
                context.Report($"{session}: {string.Join(" | ", lines.Where(l => l.Contains("unusable", StringComparison.Ordinal) || l.Contains("unreadable", StringComparison.Ordinal)))}");
                sessions[worker] = newSession(worker);
                allSessions.Add(sessions[worker]);
                continue;
            }

            context.Require(
                result.Signal == 9 || result.ExitCode == 0,
                $"worker {worker} on {session} ended with {result.Outcome}: {string.Join(" | ", lines)} {result.StderrTail}");
            if (result.ExitCode == 0 || File.Exists(resultPath))
            {
                if (!File.Exists(resultPath))
                {
                    context.Require(false, $"worker {worker} on {session} exited 0 without a result");
                }

                context.RequireEqual(expected, File.ReadAllText(resultPath), $"output of the resumed workflow of {session}");
                completed++;
                sessions[worker] = newSession(worker);
                allSessions.Add(sessions[worker]);
            }
        }

        return completed;
    }

    private static async Task<int> VerifyAllAsync(ChaosDrillContext context, List<string> sessions)
    {
        using var store = await context.OpenStoreAsync(Database).ConfigureAwait(false);
        using var checkpoints = new AgentOsCheckpointStore(store);
        var verified = 0;
        foreach (var session in sessions)
        {
            foreach (var info in await checkpoints.RetrieveIndexAsync(session).ConfigureAwait(false))
            {
                var snapshot = await checkpoints.RetrieveCheckpointAsync(session, info).ConfigureAwait(false);
                context.Require(snapshot.ValueKind == System.Text.Json.JsonValueKind.Object, $"checkpoint {info.CheckpointId} of {session} is not a JSON object");
                verified++;
            }
        }

        context.Require(verified > 0, "no checkpoint was indexed");
        return verified;
    }
}
