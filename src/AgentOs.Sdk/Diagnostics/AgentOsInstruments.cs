namespace AgentOs.Sdk.Diagnostics;

/// <summary>
/// The names of the SDK's <see cref="System.Diagnostics.Metrics.Meter"/>, its instruments, its
/// <see cref="System.Diagnostics.ActivitySource"/> and its spans, as documented in <c>docs/telemetry.md</c>.
/// Use them to subscribe (<c>AddMeter(AgentOsInstruments.MeterName)</c>) or to filter views.
/// </summary>
public static class AgentOsInstruments
{
    /// <summary>The name of the SDK's meter: <c>AgentOs.Sdk</c>.</summary>
    public const string MeterName = "AgentOs.Sdk";

    /// <summary>The name of the SDK's activity source: <c>AgentOs.Sdk</c>.</summary>
    public const string ActivitySourceName = "AgentOs.Sdk";

    /// <summary>Counter, <c>{checkpoint}</c>: checkpoints committed (verified or not). Tags: <see cref="AgentOsTags.CheckpointType"/>, <see cref="AgentOsTags.CheckpointStatus"/>.</summary>
    public const string CheckpointCreated = "agentos.checkpoint.created";

    /// <summary>Counter, <c>{checkpoint}</c>: checkpoints whose evidence failed verification. Tags: <see cref="AgentOsTags.CheckpointType"/>.</summary>
    public const string CheckpointVerificationFailed = "agentos.checkpoint.verification.failed";

    /// <summary>Histogram, seconds: how long an atomic write took, from creating its temp files to the directory fsync.</summary>
    public const string AtomicWriteDuration = "agentos.atomic_write.duration";

    /// <summary>Histogram, bytes: the size of each file written atomically.</summary>
    public const string AtomicWriteSize = "agentos.atomic_write.size";

    /// <summary>Counter, <c>{file}</c>: files that <c>AtomicFile.Recover</c> rolled forward or back, or temp files it deleted. Tags: <see cref="AgentOsTags.RecoverAction"/>.</summary>
    public const string AtomicFileRecovered = "agentos.atomic_file.recovered";

    /// <summary>Counter, <c>{lease}</c>: leases acquired (a pending item, or an expired lease taken over). Tags: <see cref="AgentOsTags.WorkItemKind"/>.</summary>
    public const string LeaseAcquired = "agentos.lease.acquired";

    /// <summary>Counter, <c>{lease}</c>: leases a worker found it no longer holds (renewal, release or a fenced write refused). Tags: <see cref="AgentOsTags.LeaseLostReason"/>.</summary>
    public const string LeaseLost = "agentos.lease.lost";

    /// <summary>Counter, <c>{work_item}</c>: work items whose expired lease the recovery sweep recovered. Tags: <see cref="AgentOsTags.RecoveryOutcome"/> (<c>requeued</c> or <c>failed</c>).</summary>
    public const string RecoveryRecovered = "agentos.recovery.recovered";

    /// <summary>Counter, <c>{lookup}</c>: LLM output cache lookups. Tags: <see cref="AgentOsTags.Result"/> (<c>hit</c>, <c>miss</c> or <c>wait</c>).</summary>
    public const string LlmCacheLookups = "agentos.llm_cache.lookups";

    /// <summary>Counter, <c>{call}</c>: tool ledger calls. Tags: <see cref="AgentOsTags.Result"/> (<c>executed</c>, <c>replayed</c> or <c>in_doubt</c>).</summary>
    public const string ToolLedgerCalls = "agentos.tool_ledger.calls";

    /// <summary>Counter, <c>{check}</c>: start-up health checks that failed. Tags: <see cref="AgentOsTags.HealthCheck"/>.</summary>
    public const string HealthCheckFailed = "agentos.health.check.failed";

    /// <summary>Span: one checkpoint created (or a step committed).</summary>
    public const string CheckpointCreateActivity = "agentos.checkpoint.create";

    /// <summary>Span: one checkpoint's evidence verified.</summary>
    public const string CheckpointVerifyActivity = "agentos.checkpoint.verify";

    /// <summary>Span: one lease acquisition, of a pending item or of an expired lease (a take-over).</summary>
    public const string LeaseAcquireActivity = "agentos.lease.acquire";

    /// <summary>Span: one run of the recovery sweep.</summary>
    public const string RecoverySweepActivity = "agentos.recovery.sweep";

    /// <summary>Span: one atomic write.</summary>
    public const string AtomicWriteActivity = "agentos.atomic_write";

    /// <summary>Span: one LLM output cache lookup (including the call on a miss).</summary>
    public const string LlmCacheLookupActivity = "agentos.llm_cache.lookup";

    /// <summary>Span: one tool ledger call (including the tool on a first run).</summary>
    public const string ToolLedgerCallActivity = "agentos.tool_ledger.call";
}
