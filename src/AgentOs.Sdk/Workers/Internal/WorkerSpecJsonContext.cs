using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>Source-generated serializer for <see cref="WorkerSpec"/> (no reflection, trimming-safe); not indented, so a spec is one line.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(WorkerSpec))]
internal sealed partial class WorkerSpecJsonContext : JsonSerializerContext;
