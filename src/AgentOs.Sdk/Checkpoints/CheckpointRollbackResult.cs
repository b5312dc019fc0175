namespace AgentOs.Sdk.Checkpoints;

/// <summary>What <see cref="CheckpointManager.RollbackTo"/> did.</summary>
/// <param name="ResumePoint">The checkpoint the task now resumes from (verified, its evidence re-checked during the rollback).</param>
/// <param name="SupersededCount">How many later checkpoints (of any status) were marked <see cref="CheckpointStatus.Superseded"/>.</param>
public sealed record CheckpointRollbackResult(Checkpoint ResumePoint, int SupersededCount);
