using System.Text.Json.Serialization;

namespace AgentOs.Samples.HostedAgent;

/// <summary>Source-generated JSON for the checkpoint snapshots (trimming- and AOT-friendly).</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class SampleJson : JsonSerializerContext;
