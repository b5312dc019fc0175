using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using AgentOs.Sdk.Evidence;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Chaos;

/// <summary>The built-in chaos drills and the runner that turns each into a <see cref="ChaosDrillResult"/>.</summary>
public static class ChaosDrills
{
    /// <summary>The built-in drills, in scenario order: the seed's seven, shared-database contention, and two hosts sharing one store.</summary>
    public static IReadOnlyList<ChaosDrill> All { get; } =
    [
        new Drills.Kill9RecoveryDrill(),
        new Drills.ConcurrentCheckpointsDrill(),
        new Drills.LeaseExpirationDrill(),
        new Drills.RecoverySweepStressDrill(),
        new Drills.LlmCacheStressDrill(),
        new Drills.ToolReplayStressDrill(),
        new Drills.FullE2EDrill(),
        new Drills.SharedDatabaseContentionDrill(),
        new Drills.TwoHostsDrill(),
    ];

    /// <summary>
    /// Runs one drill in a fresh folder with clean databases from <see cref="ChaosDrillOptions.StoreProvider"/>; a failure
    /// becomes a failed result with failure evidence, never an exception. A drill that cannot use a server store is skipped
    /// on one, with the reason in <see cref="ChaosDrillResult.SkipReason"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public static async Task<ChaosDrillResult> RunAsync(ChaosDrill drill, ChaosDrillOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drill);
        options ??= new ChaosDrillOptions();
        ArgumentNullException.ThrowIfNull(options.StoreProvider);
        var seed = options.Seed ?? RandomNumberGenerator.GetInt32(int.MaxValue);
        if (options.StoreProvider.IsServer && !drill.SupportsServerStores)
        {
            var reason = $"keeps its data in files it opens itself, not in the drill's store, so it cannot run on {options.StoreProvider.Name}";
            options.Progress?.Report(new ChaosProgress(drill.Number, drill.Name, $"skipped: {reason}"));
            return new ChaosDrillResult(drill.Number, drill.Name, false, "-", TimeSpan.Zero, seed, null, null, new Dictionary<string, double>()) { SkipReason = reason };
        }

        var directory = Path.GetFullPath(Path.Combine(
            options.WorkDirectory,
            string.Create(CultureInfo.InvariantCulture, $"{drill.Name}-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}-{seed}")));
        Directory.CreateDirectory(directory);

        var context = new ChaosDrillContext(drill, options, directory, seed);
        context.Report(string.Create(CultureInfo.InvariantCulture, $"starting (seed {seed})"));
        var clock = Stopwatch.StartNew();
        string keyFigure;
        try
        {
            keyFigure = await drill.ExecuteAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A drill's failure, whatever its type, is a result to report, not a crash of the runner.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            clock.Stop();
            var error = ex is ChaosAssertionException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            if (options.StoreProvider.IsServer && context.StoreLocations.Count > 0)
            {
                // The evidence file describes a server's databases as they were at the failure: keep them for more, and say where.
                error += $" (databases kept for inspection: {string.Join(", ", context.StoreLocations)})";
            }

            var evidence = options.DumpEvidenceOnFailure ? DumpEvidence(drill, context, error, options) : null;
            context.Report($"FAILED: {error}");
            return new ChaosDrillResult(drill.Number, drill.Name, false, "-", clock.Elapsed, seed, error, evidence, context.Metrics) { Stores = context.StoreLocations };
        }

        clock.Stop();
        if (context.Checks == 0)
        {
            throw new InvalidOperationException($"The drill {drill.Name} passed without checking anything.");
        }

        context.Measure("checks", context.Checks);
        context.Report(string.Create(CultureInfo.InvariantCulture, $"passed in {clock.Elapsed.TotalSeconds:0.00} s: {keyFigure}"));
        if (options.DeletePassedDrillDirectories)
        {
            try
            {
                await options.StoreProvider.DeleteDatabasesAsync(context.StoreAddresses, cancellationToken).ConfigureAwait(false);
            }
            catch (Storage.StoreException ex)
            {
                // Left on the server for the user to drop; a passed drill does not fail over its clean-up.
                context.Report($"could not drop its databases ({string.Join(", ", context.StoreLocations)}): {ex.Message}");
            }

            TryDelete(directory);
        }

        return new ChaosDrillResult(drill.Number, drill.Name, true, keyFigure, clock.Elapsed, seed, null, null, context.Metrics) { Stores = context.StoreLocations };
    }

    /// <summary>Runs drills one after another (they measure contention: running them side by side would measure each other).</summary>
    public static async Task<IReadOnlyList<ChaosDrillResult>> RunAllAsync(IEnumerable<ChaosDrill> drills, ChaosDrillOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(drills);
        var results = new List<ChaosDrillResult>();
        foreach (var drill in drills)
        {
            results.Add(await RunAsync(drill, options, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <summary>Describes the drill's databases on a server through stores opened on them (a database that cannot be opened is reported).</summary>
    private static string DumpServerEvidence(ChaosDrill drill, ChaosDrillContext context, string error, EvidenceOptions evidenceOptions)
    {
        var stores = new List<Storage.AgentOsStore>();
        try
        {
            foreach (var address in context.StoreAddresses)
            {
                try
                {
                    stores.Add(Storage.AgentOsStore.Open(ChaosDrillContext.OptionsFor(context.StoreProvider, address, followCallerClock: false, context.Options.Store)));
                }
                catch (Storage.StoreException ex)
                {
                    context.Report($"could not open {context.StoreProvider.Describe(address)} for failure evidence: {ex.Message}");
                }
            }

            return stores.Count == 1
                ? FailureEvidence.Dump(drill.Name, stores[0], error, options: evidenceOptions)
                : FailureEvidence.CollectMultiDatabase(drill.Name, stores, error, evidenceOptions);
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    private static string? DumpEvidence(ChaosDrill drill, ChaosDrillContext context, string error, ChaosDrillOptions options)
    {
        var evidenceOptions = new EvidenceOptions { OutputDirectory = options.EvidenceDirectory };
        try
        {
            if (context.StoreProvider.IsServer)
            {
                return DumpServerEvidence(drill, context, error, evidenceOptions);
            }

            return context.Databases.Count == 1
                ? FailureEvidence.Dump(drill.Name, context.Databases[0], error, options: evidenceOptions)
                : FailureEvidence.CollectMultiDatabase(drill.Name, context.Databases, error, evidenceOptions);
        }
        catch (IOException ex)
        {
            context.Report($"could not write failure evidence: {ex.Message}");
            return null;
        }
        catch (UnauthorizedAccessException ex)
        {
            context.Report($"could not write failure evidence: {ex.Message}");
            return null;
        }
    }

    private static void TryDelete(string directory)
    {
        // Pooled connections keep the drill's databases open until the pools are cleared.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the user to inspect or delete; a passed drill does not fail over its clean-up.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
