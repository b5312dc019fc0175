using System.Text.Json.Serialization;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>Source-generated (reflection-free, trimming-safe) serializer for <see cref="OkMarker"/>.</summary>
[JsonSourceGenerationOptions(
    GenerationMode = JsonSourceGenerationMode.Default,
    WriteIndented = false,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(OkMarker))]
internal sealed partial class OkMarkerJsonContext : JsonSerializerContext;
