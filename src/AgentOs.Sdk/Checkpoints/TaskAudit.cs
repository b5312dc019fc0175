namespace AgentOs.Sdk.Checkpoints;

/// <summary>One entry of a task's history (a row of the <c>task_audits</c> table).</summary>
/// <param name="AuditId">The entry's id; ids grow in the order entries were written.</param>
/// <param name="TaskId">The task.</param>
/// <param name="EventType">What happened, for example <c>step_begun</c> or <c>checkpoint_committed</c>.</param>
/// <param name="Level">How serious it is.</param>
/// <param name="Payload">Details as JSON text with snake_case keys, or null.</param>
/// <param name="CreatedAt">When it was written.</param>
public sealed record TaskAudit(long AuditId, string TaskId, string EventType, TaskAuditLevel Level, string? Payload, DateTimeOffset CreatedAt);
