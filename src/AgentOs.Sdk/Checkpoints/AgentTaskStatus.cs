using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// The state of an agent task (a row of the <c>tasks</c> table). Named so that it does not clash with
/// <see cref="System.Threading.Tasks.TaskStatus"/>. Stored and serialised as the lowercase name.
/// </summary>
public enum AgentTaskStatus
{
    /// <summary>Known but not started; the state of a task created implicitly by its first checkpoint.</summary>
    [JsonStringEnumMemberName("pending")]
    Pending,

    /// <summary>A worker is running it.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Finished successfully.</summary>
    [JsonStringEnumMemberName("succeeded")]
    Succeeded,

    /// <summary>Finished with an error.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary>Stopped on request.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}
