using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos;

/// <summary>Reads, in a drill's worker process, the primitive arguments its parent set.</summary>
internal static class DrillStore
{
    /// <summary>A worker argument set by the drill (primitive values read without reflection).</summary>
    public static T Argument<T>(WorkerContext context, string name) =>
        (context.Arguments[name] ?? throw new InvalidOperationException($"The drill passed no '{name}' argument.")).GetValue<T>();
}
