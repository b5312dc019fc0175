using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Evidence that a file or directory exists at <see cref="Path"/> when the checkpoint is verified.</summary>
/// <remarks>
/// A relative path is resolved against <see cref="CheckpointManagerOptions.BaseDirectory"/> (by default the folder of the
/// database), not against the current directory, so that a resumed process in another directory checks the same file.
/// </remarks>
public sealed record ArtifactExistsEvidence : Evidence
{
    /// <summary>Creates the evidence.</summary>
    /// <param name="path">The artifact's path, absolute or relative to the manager's base directory.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public ArtifactExistsEvidence(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
    }

    /// <summary>The artifact's path, as given.</summary>
    public string Path { get; }

    /// <inheritdoc />
    [JsonIgnore]
    public override EvidenceType Type => EvidenceType.ArtifactExists;

    /// <inheritdoc />
    public override string Describe() => $"artifact_exists '{Path}'";
}
