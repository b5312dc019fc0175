using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos;

/// <summary>
/// Opens, in a drill's worker process, the database the parent handed over with <see cref="ChaosDrillContext.PassStore"/>:
/// the same SQLite file or server database, with the same settings.
/// </summary>
public static class ChaosWorkerStore
{
    /// <summary>The worker argument <see cref="ChaosDrillContext.PassStore"/> uses unless told otherwise.</summary>
    public const string DefaultArgument = "store";

    internal const string ProviderKey = "provider";
    internal const string AssemblyKey = "assembly";
    internal const string AddressKey = "address";
    internal const string CallerClockKey = "caller_clock";
    internal const string SynchronousKey = "synchronous";
    internal const string BusyTimeoutKey = "busy_timeout_ms";

    /// <summary>Opens the database passed as worker argument <paramref name="argument"/>. The caller disposes the store.</summary>
    /// <param name="worker">The worker's context.</param>
    /// <param name="argument">The argument the parent passed the database in. Default <c>store</c>.</param>
    /// <exception cref="InvalidOperationException">The argument is missing or malformed, or its provider cannot be loaded in this process.</exception>
    /// <exception cref="StoreException">The database cannot be opened; the message names it.</exception>
    public static AgentOsStore Open(WorkerContext worker, string argument = DefaultArgument) => AgentOsStore.Open(OptionsFrom(worker, argument));

    /// <summary>Asynchronous <see cref="Open"/>.</summary>
    /// <exception cref="InvalidOperationException">The argument is missing or malformed, or its provider cannot be loaded in this process.</exception>
    /// <exception cref="StoreException">The database cannot be opened; the message names it.</exception>
    public static Task<AgentOsStore> OpenAsync(WorkerContext worker, string argument = DefaultArgument, CancellationToken cancellationToken = default) =>
        AgentOsStore.OpenAsync(OptionsFrom(worker, argument), cancellationToken);

    private static StoreOptions OptionsFrom(WorkerContext worker, string argument)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentException.ThrowIfNullOrWhiteSpace(argument);
        if (worker.Arguments[argument] is not JsonObject store)
        {
            throw new InvalidOperationException($"The drill passed no store in worker argument '{argument}': call ChaosDrillContext.PassStore in the parent.");
        }

        var provider = CreateProvider(Read<string>(store, ProviderKey, argument), Read<string>(store, AssemblyKey, argument));
        var template = new StoreOptions
        {
            Synchronous = Enum.Parse<SynchronousMode>(Read<string>(store, SynchronousKey, argument)),
            BusyTimeout = TimeSpan.FromMilliseconds(Read<long>(store, BusyTimeoutKey, argument)),
            AllowShortBusyTimeout = true,
        };
        return ChaosDrillContext.OptionsFor(provider, Read<string>(store, AddressKey, argument), Read<bool>(store, CallerClockKey, argument), template);
    }

    private static T Read<T>(JsonObject store, string key, string argument) =>
        (store[key] ?? throw new InvalidOperationException($"Worker argument '{argument}' has no '{key}': it was not written by ChaosDrillContext.PassStore.")).GetValue<T>();

    // The parent names the provider's type; it holds a reference to it, and worker hosts run untrimmed (WorkerHost.TryRun
    // finds entries by metadata token for the same reason).
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "The provider type is referenced by the parent that started this worker; worker hosts are not trimmed.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "The provider type is referenced by the parent that started this worker; worker hosts are not trimmed.")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Worker hosts are not trimmed (see WorkerHost.TryRun).")]
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location falls back to loading by name.")]
    private static ChaosStoreProvider CreateProvider(string typeName, string assemblyPath)
    {
        if (typeName == typeof(SqliteChaosStoreProvider).AssemblyQualifiedName)
        {
            return ChaosStoreProvider.Sqlite;
        }

        Type? type;
        try
        {
            // By name first (the host references the provider's package, as the agentos tool does), else from the file the
            // parent loaded it from: a test host finds the package beside it without listing it among its dependencies.
            type = Type.GetType(typeName, throwOnError: false);
            if (type is null && assemblyPath.Length > 0 && File.Exists(assemblyPath))
            {
                var fullName = typeName.Split(',')[0].Trim();
                type = Assembly.LoadFrom(assemblyPath).GetType(fullName, throwOnError: false);
            }
        }
        catch (Exception ex) when (ex is FileLoadException or BadImageFormatException or FileNotFoundException)
        {
            throw new InvalidOperationException($"Cannot load the drills' store provider '{typeName}' in this worker: {ex.Message}", ex);
        }

        if (type is null || !typeof(ChaosStoreProvider).IsAssignableFrom(type))
        {
            throw new InvalidOperationException(
                $"Cannot load the drills' store provider '{typeName}' in this worker: the worker host must reference its package, or find it at '{assemblyPath}'.");
        }

        return (ChaosStoreProvider)(Activator.CreateInstance(type, nonPublic: true)
            ?? throw new InvalidOperationException($"Cannot create the drills' store provider '{typeName}' in this worker."));
    }
}
