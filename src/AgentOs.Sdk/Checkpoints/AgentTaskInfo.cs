namespace AgentOs.Sdk.Checkpoints;

/// <summary>A row of the <c>tasks</c> table.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Status">Its status.</param>
/// <param name="Title">Its title, if one was given.</param>
/// <param name="CreatedAt">When the row was created.</param>
/// <param name="UpdatedAt">When its status last changed.</param>
public sealed record AgentTaskInfo(string TaskId, AgentTaskStatus Status, string? Title, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
