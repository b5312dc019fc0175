using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// The kinds of <see cref="Evidence"/>. Serialised as a snake_case string (<c>"command_exit"</c>), never as a number:
/// the JSON stays readable and does not change meaning if members are reordered.
/// </summary>
public enum EvidenceType
{
    /// <summary>A file or directory exists: <see cref="ArtifactExistsEvidence"/>.</summary>
    [JsonStringEnumMemberName("artifact_exists")]
    ArtifactExists,

    /// <summary>A file written with <c>AtomicFile</c> is intact and has the expected hash: <see cref="FileSha256Evidence"/>.</summary>
    [JsonStringEnumMemberName("file_sha256")]
    FileSha256,

    /// <summary>A command exited with the expected code: <see cref="CommandExitEvidence"/>.</summary>
    [JsonStringEnumMemberName("command_exit")]
    CommandExit,

    /// <summary>A row exists in the store's database: <see cref="DbRowEvidence"/>.</summary>
    [JsonStringEnumMemberName("db_row")]
    DbRow,

    /// <summary>Evidence checked by an <see cref="IEvidenceVerifier"/> the application registers: <see cref="CustomEvidence"/>.</summary>
    [JsonStringEnumMemberName("custom")]
    Custom,
}
