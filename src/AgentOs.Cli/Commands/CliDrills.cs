using AgentOs.Sdk.AgentFramework.Chaos;
using AgentOs.Sdk.Chaos;

namespace AgentOs.Cli.Commands;

/// <summary>
/// The drills <c>agentos chaos</c> runs: the core SDK's nine (1 to 8 and 10), plus drill 9 from the Agent Framework package (the core
/// SDK does not depend on the framework, so the tool adds it here). The tool's drill 9 lands 20 kills; the CI test lands 50.
/// </summary>
internal static class CliDrills
{
    public static IReadOnlyList<ChaosDrill> All { get; } = [.. ChaosDrills.All, new AgentFrameworkResumeDrill(new AgentFrameworkResumeDrillOptions { Kills = 20 })];

    /// <summary>Drill 9's kill loop against the framework's own FileSystemJsonCheckpointStore: a report for comparison, not a check.</summary>
    public static ChaosDrill FileSystemStoreComparison { get; } = new AgentFrameworkResumeDrill(new AgentFrameworkResumeDrillOptions { Kills = 20, UseFileSystemStore = true });
}
