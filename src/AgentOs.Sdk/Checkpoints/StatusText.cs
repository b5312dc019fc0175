namespace AgentOs.Sdk.Checkpoints;

/// <summary>The text the database stores for each status (the same names the JSON uses).</summary>
internal static class StatusText
{
    public static string Of(CheckpointStatus status) => status switch
    {
        CheckpointStatus.Pending => "pending",
        CheckpointStatus.Verified => "verified",
        CheckpointStatus.Failed => "failed",
        CheckpointStatus.Superseded => "superseded",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown checkpoint status."),
    };

    public static CheckpointStatus ParseCheckpoint(string text) => text switch
    {
        "pending" => CheckpointStatus.Pending,
        "verified" => CheckpointStatus.Verified,
        "failed" => CheckpointStatus.Failed,
        "superseded" => CheckpointStatus.Superseded,
        _ => throw new FormatException($"Unknown checkpoint status '{text}' in the database."),
    };

    public static string Of(AgentTaskStatus status) => status switch
    {
        AgentTaskStatus.Pending => "pending",
        AgentTaskStatus.Running => "running",
        AgentTaskStatus.Succeeded => "succeeded",
        AgentTaskStatus.Failed => "failed",
        AgentTaskStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown task status."),
    };

    public static AgentTaskStatus ParseTask(string text) => text switch
    {
        "pending" => AgentTaskStatus.Pending,
        "running" => AgentTaskStatus.Running,
        "succeeded" => AgentTaskStatus.Succeeded,
        "failed" => AgentTaskStatus.Failed,
        "cancelled" => AgentTaskStatus.Cancelled,
        _ => throw new FormatException($"Unknown task status '{text}' in the database."),
    };

    public static string Of(TaskAuditLevel level) => level switch
    {
        TaskAuditLevel.Debug => "debug",
        TaskAuditLevel.Info => "info",
        TaskAuditLevel.Warning => "warning",
        TaskAuditLevel.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown audit level."),
    };

    public static TaskAuditLevel ParseLevel(string text) => text switch
    {
        "debug" => TaskAuditLevel.Debug,
        "info" => TaskAuditLevel.Info,
        "warning" => TaskAuditLevel.Warning,
        "error" => TaskAuditLevel.Error,
        _ => throw new FormatException($"Unknown audit level '{text}' in the database."),
    };
}
