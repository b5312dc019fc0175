namespace AgentOs.Sdk.Checkpoints;

/// <summary>The <see cref="TaskAudit.EventType"/> values <see cref="CheckpointManager"/> writes.</summary>
public static class TaskAuditEvents
{
    /// <summary><see cref="CheckpointManager.BeginStep"/> recorded a pending checkpoint.</summary>
    public const string StepBegun = "step_begun";

    /// <summary><see cref="CheckpointManager.CommitStep"/> wrote the step's snapshot and evidence.</summary>
    public const string CheckpointCommitted = "checkpoint_committed";

    /// <summary><see cref="CheckpointManager.CreateCheckpoint"/> wrote a checkpoint in one call (only with <see cref="CheckpointManagerOptions.AuditCheckpointCreation"/>).</summary>
    public const string CheckpointCreated = "checkpoint_created";

    /// <summary>A step was disposed without commit, or <see cref="CheckpointManager.AbandonPendingSteps"/> retired it.</summary>
    public const string StepAbandoned = "step_abandoned";

    /// <summary><see cref="CheckpointManager.VerifyCheckpoint"/> found the evidence holding.</summary>
    public const string CheckpointVerified = "checkpoint_verified";

    /// <summary>Evidence that was checked did not hold (in <see cref="CheckpointManager.VerifyCheckpoint"/>, or when a resume point was re-checked).</summary>
    public const string CheckpointVerificationFailed = "checkpoint_verification_failed";

    /// <summary><see cref="CheckpointManager.RollbackTo"/> superseded later checkpoints.</summary>
    public const string RolledBack = "rolled_back";

    /// <summary><see cref="CheckpointManager.Prune"/> deleted old checkpoints.</summary>
    public const string Pruned = "pruned";

    /// <summary><see cref="CheckpointManager.SetTaskStatus"/> changed the task's status.</summary>
    public const string StatusChanged = "status_changed";
}
