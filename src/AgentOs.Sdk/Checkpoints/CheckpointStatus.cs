using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Where a checkpoint stands. Stored and serialised as the lowercase name (<c>"verified"</c>), never as a number.</summary>
public enum CheckpointStatus
{
    /// <summary>
    /// A step was begun with <see cref="CheckpointManager.BeginStep"/> and not committed yet, or the process that began it died.
    /// A pending checkpoint is never a resume point.
    /// </summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>Every item of its evidence pack held when it was last checked. Only verified checkpoints are resume points.</summary>
    [JsonStringEnumMemberName("verified")]
    Verified,

    /// <summary>Its evidence was checked and did not hold (or the pack was empty); <see cref="Checkpoint.VerificationError"/> says why.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary><see cref="CheckpointManager.RollbackTo"/> chose an earlier checkpoint; this one is kept for the record but is never resumed from.</summary>
    [JsonStringEnumMemberName("superseded")]
    Superseded,
}
