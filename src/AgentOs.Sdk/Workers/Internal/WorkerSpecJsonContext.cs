using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>Source-generated serializer for <see cref="WorkerSpec"/> (no reflection, trimming-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(WorkerSpec))]
internal sealed partial class WorkerSpecJsonContext : JsonSerializerContext;
