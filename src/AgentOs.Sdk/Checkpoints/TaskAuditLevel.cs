using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>The severity of a <see cref="TaskAudit"/> entry. Stored as the lowercase name.</summary>
public enum TaskAuditLevel
{
    /// <summary>Detail for debugging.</summary>
    [JsonStringEnumMemberName("debug")]
    Debug,

    /// <summary>A normal event (a checkpoint was committed, a step began).</summary>
    [JsonStringEnumMemberName("info")]
    Info,

    /// <summary>Something went wrong but was handled (a step was abandoned, a rollback retired checkpoints).</summary>
    [JsonStringEnumMemberName("warning")]
    Warning,

    /// <summary>Evidence did not hold, or a task failed.</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}
