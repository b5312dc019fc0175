using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// One piece of evidence that a step really happened: a file exists, a file is intact, a command succeeded, a row exists,
/// or an application-defined check. Evidence is immutable and is stored with its checkpoint as JSON, where its
/// <see cref="Type"/> is written as the snake_case name (<c>"type": "command_exit"</c>), never as a number.
/// </summary>
/// <remarks>
/// The set of evidence kinds is closed so that stored JSON always maps back to a known type; for anything else use
/// <see cref="CustomEvidence"/> with an <see cref="IEvidenceVerifier"/> registered in <see cref="CheckpointManagerOptions.EvidenceVerifiers"/>.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ArtifactExistsEvidence), "artifact_exists")]
[JsonDerivedType(typeof(FileSha256Evidence), "file_sha256")]
[JsonDerivedType(typeof(CommandExitEvidence), "command_exit")]
[JsonDerivedType(typeof(DbRowEvidence), "db_row")]
[JsonDerivedType(typeof(CustomEvidence), "custom")]
public abstract record Evidence
{
    // Only the types above derive from Evidence: stored JSON can always be read back.
    private protected Evidence()
    {
    }

    /// <summary>The kind of evidence; in JSON it is the <c>type</c> discriminator.</summary>
    [JsonIgnore]
    public abstract EvidenceType Type { get; }

    /// <summary>A short human-readable description used in verification errors (for example <c>command_exit 'dotnet test'</c>).</summary>
    public abstract string Describe();
}
