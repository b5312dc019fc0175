using System.Text.Json.Nodes;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>
/// What a worker process needs to find and run its entry. The parent serializes it once per run and writes it as one JSON line
/// to each worker's standard input: nothing is left on disk if the parent dies, and large arguments never hit argv limits.
/// </summary>
internal sealed class WorkerSpec
{
    public int Version { get; set; }

    /// <summary>Full name of the entry's assembly.</summary>
    public string AssemblyName { get; set; } = "";

    /// <summary>Where the parent loaded that assembly from; empty for single-file apps, where the host finds it by name.</summary>
    public string AssemblyPath { get; set; } = "";

    /// <summary>Identifies the exact build of the entry's module, so a rebuilt assembly is detected, not silently run.</summary>
    public Guid ModuleVersionId { get; set; }

    /// <summary>The entry method's metadata token in that module.</summary>
    public int MetadataToken { get; set; }

    /// <summary>The entry's declaring type (for checks and messages).</summary>
    public string DeclaringType { get; set; } = "";

    /// <summary>The entry's method name (for checks and messages).</summary>
    public string MethodName { get; set; } = "";

    public int WorkerCount { get; set; }

    /// <summary>Absolute path of the pool directory.</summary>
    public string Directory { get; set; } = "";

    public JsonObject Arguments { get; set; } = [];
}
