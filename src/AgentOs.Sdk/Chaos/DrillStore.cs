using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos;

/// <summary>Opens stores for drills, in the parent and in worker processes, with the configuration the drills run under.</summary>
internal static class DrillStore
{
    /// <summary>A worker argument set by the drill (primitive values read without reflection).</summary>
    public static T Argument<T>(WorkerContext context, string name) =>
        (context.Arguments[name] ?? throw new InvalidOperationException($"The drill passed no '{name}' argument.")).GetValue<T>();

    /// <summary>In a worker: the store options the parent passed in the worker's arguments.</summary>
    public static StoreOptions OptionsFrom(WorkerContext context) => new()
    {
        Synchronous = Enum.Parse<SynchronousMode>(Argument<string>(context, "synchronous")),
        BusyTimeout = TimeSpan.FromMilliseconds(Argument<long>(context, "busy_timeout_ms")),
        AllowShortBusyTimeout = true,
    };

    public static AgentOsStore Open(WorkerContext context, string databasePath) => AgentOsStore.Open(databasePath, OptionsFrom(context));

    public static AgentOsStore Open(ChaosDrillContext context, string databasePath)
    {
        context.TrackDatabase(databasePath);
        return AgentOsStore.Open(databasePath, Clone(context.Options.Store));
    }

    private static StoreOptions Clone(StoreOptions options) => new()
    {
        BusyTimeout = options.BusyTimeout,
        AllowShortBusyTimeout = options.AllowShortBusyTimeout,
        Synchronous = options.Synchronous,
        TimeProvider = options.TimeProvider,
    };
}
