namespace AgentOs.Sdk.Diagnostics;

/// <summary>
/// The tag names the SDK puts on its measurements and spans. Metric tags are low-cardinality (kinds, outcomes, reasons);
/// identifiers such as task and work item ids appear on spans only. No tag ever holds a payload, a prompt, a result or a secret.
/// </summary>
public static class AgentOsTags
{
    /// <summary>The task a checkpoint belongs to (spans only).</summary>
    public const string TaskId = "agentos.task.id";

    /// <summary>The work item a lease or checkpoint is for (spans only).</summary>
    public const string WorkItemId = "agentos.work_item.id";

    /// <summary>The kind of a work item.</summary>
    public const string WorkItemKind = "agentos.work_item.kind";

    /// <summary>The checkpoint's type, as the application named it.</summary>
    public const string CheckpointType = "agentos.checkpoint.type";

    /// <summary>The checkpoint's status after the operation (<c>verified</c>, <c>failed</c>...).</summary>
    public const string CheckpointStatus = "agentos.checkpoint.status";

    /// <summary>The checkpoint's id (spans only).</summary>
    public const string CheckpointId = "agentos.checkpoint.id";

    /// <summary>The checkpoint's sequence number within its task (spans only).</summary>
    public const string CheckpointSequence = "agentos.checkpoint.sequence";

    /// <summary>How many evidence items the checkpoint carries (spans only).</summary>
    public const string EvidenceCount = "agentos.evidence.count";

    /// <summary>The lease's epoch (spans only).</summary>
    public const string LeaseEpoch = "agentos.lease.epoch";

    /// <summary>The worker that holds or asks for a lease (spans only).</summary>
    public const string LeaseHolder = "agentos.lease.holder";

    /// <summary>Which attempt of the work item a lease is (spans only; above 1 after a failure, a sweep or a take-over).</summary>
    public const string LeaseAttempt = "agentos.lease.attempt";

    /// <summary>Why a lease was lost: one of <see cref="Leases.LeaseLostReason"/>, in snake_case.</summary>
    public const string LeaseLostReason = "agentos.lease.lost_reason";

    /// <summary>What the sweep did with an expired lease: <c>requeued</c> or <c>failed</c>.</summary>
    public const string RecoveryOutcome = "agentos.recovery.outcome";

    /// <summary>How many expired leases a sweep run found (spans only).</summary>
    public const string RecoveryFound = "agentos.recovery.found";

    /// <summary>How many work items a sweep run re-queued (spans only).</summary>
    public const string RecoveryRequeued = "agentos.recovery.requeued";

    /// <summary>How many work items a sweep run failed (spans only).</summary>
    public const string RecoveryFailed = "agentos.recovery.failed";

    /// <summary>What <c>AtomicFile.Recover</c> did to a file: <c>rolled_forward</c>, <c>rolled_back</c> or <c>deleted</c>.</summary>
    public const string RecoverAction = "agentos.atomic_file.action";

    /// <summary>The outcome of a cache lookup or ledger call.</summary>
    public const string Result = "agentos.result";

    /// <summary>The name of a start-up health check (one of <see cref="Health.HealthCheckNames"/>).</summary>
    public const string HealthCheck = "agentos.health.check";

    /// <summary>The tool a ledger call is for (spans only).</summary>
    public const string Tool = "agentos.tool.name";

    /// <summary>The full path of a file (spans only; OpenTelemetry's <c>file.path</c>).</summary>
    public const string FilePath = "file.path";

    /// <summary>The size of a file in bytes (spans only; OpenTelemetry's <c>file.size</c>).</summary>
    public const string FileSize = "file.size";
}
