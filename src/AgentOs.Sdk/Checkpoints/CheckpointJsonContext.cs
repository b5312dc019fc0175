using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Source-generated JSON for what checkpoints store: snake_case keys and every enum as a string
/// (the seed stored enum values it could not read back).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(Evidence[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(AuditPayload))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
}
