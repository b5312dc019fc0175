using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Evidence checked by application code: the <see cref="IEvidenceVerifier"/> whose <see cref="IEvidenceVerifier.Kind"/>
/// equals <see cref="Kind"/>, registered in <see cref="CheckpointManagerOptions.EvidenceVerifiers"/>. A kind with no
/// registered verifier fails verification with a message naming it; it never passes by default.
/// </summary>
public sealed record CustomEvidence : Evidence
{
    /// <summary>Creates the evidence.</summary>
    /// <param name="kind">The verifier's kind, for example <c>"http_200"</c>.</param>
    /// <param name="data">What the verifier needs to check (any JSON value).</param>
    /// <exception cref="ArgumentException"><paramref name="kind"/> is empty or <paramref name="data"/> is an undefined (default) element.</exception>
    public CustomEvidence(string kind, JsonElement data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (data.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException($"Custom evidence '{kind}' needs data; pass a JSON null for none.", nameof(data));
        }

        Kind = kind;
        // Clone: the evidence must not depend on a JsonDocument the caller may dispose.
        Data = data.Clone();
    }

    /// <summary>The verifier's kind.</summary>
    public string Kind { get; }

    /// <summary>The data the verifier checks.</summary>
    public JsonElement Data { get; }

    /// <inheritdoc />
    [JsonIgnore]
    public override EvidenceType Type => EvidenceType.Custom;

    /// <inheritdoc />
    public override string Describe() => $"custom '{Kind}'";

    /// <summary>Whether both have the same kind and equal JSON data.</summary>
    public bool Equals(CustomEvidence? other) =>
        other is not null && string.Equals(Kind, other.Kind, StringComparison.Ordinal) && JsonElement.DeepEquals(Data, other.Data);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Data.ValueKind);
}
