using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>The state an agent resumes from, as an application would define it.</summary>
public sealed record ResumeState(int Step, string Cursor, IReadOnlyList<string> Done);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ResumeState))]
internal sealed partial class TestJsonContext : JsonSerializerContext
{
}
