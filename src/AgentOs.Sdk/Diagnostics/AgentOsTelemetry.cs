using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using static AgentOs.Sdk.Diagnostics.AgentOsInstruments;

namespace AgentOs.Sdk.Diagnostics;

/// <summary>
/// The SDK's metrics and traces: one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <c>AgentOs.Sdk</c>, and the instruments listed in
/// <see cref="AgentOsInstruments"/>. Only <c>System.Diagnostics</c>: subscribe with OpenTelemetry
/// (<c>AddMeter("AgentOs.Sdk")</c>, <c>AddSource("AgentOs.Sdk")</c>), a <see cref="MeterListener"/> or an <see cref="ActivityListener"/>.
/// </summary>
/// <remarks>
/// <para>A store opened with <see cref="Storage.StoreOptions.MeterFactory"/> creates its meter through that factory (as
/// Npgsql does with dependency injection), so the container owns the meter and tests can isolate it; otherwise the
/// process-wide <see cref="Default"/> is used. <see cref="AtomicFile"/> is static and always reports through <see cref="Default"/>.</para>
/// <para>Nothing is computed when nobody listens: each site checks <see cref="Instrument.Enabled"/> or
/// <see cref="ActivitySource.HasListeners"/> before it builds tags.</para>
/// </remarks>
public sealed class AgentOsTelemetry
{
    private static readonly string? Version = typeof(AgentOsTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>The SDK's activity source, shared by every store (activity sources have no factory).</summary>
    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName, Version);

    /// <summary>The process-wide telemetry used when no <see cref="IMeterFactory"/> is given, and by <see cref="AtomicFile"/>.</summary>
    public static AgentOsTelemetry Default { get; } = new(new Meter(MeterName, Version));

    private AgentOsTelemetry(Meter meter)
    {
        Meter = meter;
        CheckpointsCreated = meter.CreateCounter<long>(CheckpointCreated, "{checkpoint}", "Checkpoints committed, verified or not.");
        VerificationsFailed = meter.CreateCounter<long>(CheckpointVerificationFailed, "{checkpoint}", "Checkpoints whose evidence failed verification.");
        WriteDuration = meter.CreateHistogram<double>(AtomicWriteDuration, "s", "How long an atomic write took, temp files to directory fsync.");
        WriteSize = meter.CreateHistogram<long>(AtomicWriteSize, "By", "Size of each file written atomically.");
        FilesRecovered = meter.CreateCounter<long>(AtomicFileRecovered, "{file}", "Files AtomicFile.Recover rolled forward or back, and temp files it deleted.");
        LeasesAcquired = meter.CreateCounter<long>(LeaseAcquired, "{lease}", "Leases acquired.");
        LeasesLost = meter.CreateCounter<long>(LeaseLost, "{lease}", "Leases a worker found it no longer holds.");
        WorkItemsRecovered = meter.CreateCounter<long>(RecoveryRecovered, "{work_item}", "Work items whose expired lease the recovery sweep recovered.");
        CacheLookups = meter.CreateCounter<long>(LlmCacheLookups, "{lookup}", "LLM output cache lookups by result.");
        LedgerCalls = meter.CreateCounter<long>(ToolLedgerCalls, "{call}", "Tool ledger calls by result.");
        HealthChecksFailed = meter.CreateCounter<long>(HealthCheckFailed, "{check}", "Start-up health checks that failed.");
    }

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter { get; }

    internal Counter<long> CheckpointsCreated { get; }
    internal Counter<long> VerificationsFailed { get; }
    internal Histogram<double> WriteDuration { get; }
    internal Histogram<long> WriteSize { get; }
    internal Counter<long> FilesRecovered { get; }
    internal Counter<long> LeasesAcquired { get; }
    internal Counter<long> LeasesLost { get; }
    internal Counter<long> WorkItemsRecovered { get; }
    internal Counter<long> CacheLookups { get; }
    internal Counter<long> LedgerCalls { get; }
    internal Counter<long> HealthChecksFailed { get; }

    /// <summary>
    /// The telemetry for a store: a meter created through <paramref name="meterFactory"/> (which owns and disposes it),
    /// or <see cref="Default"/> when it is null.
    /// </summary>
    public static AgentOsTelemetry Create(IMeterFactory? meterFactory) =>
        meterFactory is null ? Default : new(meterFactory.Create(new MeterOptions(MeterName) { Version = Version }));

    // ---- Checkpoints -----------------------------------------------------------------------------------------------

    internal static Activity? StartCheckpointCreate(string taskId, string checkpointType, string? workItemId)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var activity = ActivitySource.StartActivity(CheckpointCreateActivity, ActivityKind.Internal);
        activity?.SetTag(AgentOsTags.TaskId, taskId).SetTag(AgentOsTags.CheckpointType, checkpointType).SetTag(AgentOsTags.WorkItemId, workItemId);
        return activity;
    }

    internal void OnCheckpointCreated(Activity? activity, Checkpoint checkpoint)
    {
        activity?.SetTag(AgentOsTags.CheckpointId, checkpoint.Id)
            .SetTag(AgentOsTags.CheckpointSequence, checkpoint.SequenceNumber)
            .SetTag(AgentOsTags.CheckpointStatus, StatusName(checkpoint.Status))
            .SetTag(AgentOsTags.EvidenceCount, checkpoint.Evidence.Count);
        if (CheckpointsCreated.Enabled)
        {
            CheckpointsCreated.Add(1, new(AgentOsTags.CheckpointType, checkpoint.Type), new(AgentOsTags.CheckpointStatus, StatusName(checkpoint.Status)));
        }

        if (checkpoint.Status == CheckpointStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "evidence failed");
            if (VerificationsFailed.Enabled)
            {
                VerificationsFailed.Add(1, new KeyValuePair<string, object?>(AgentOsTags.CheckpointType, checkpoint.Type));
            }
        }
    }

    internal static Activity? StartCheckpointVerify(string checkpointId)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        return ActivitySource.StartActivity(CheckpointVerifyActivity, ActivityKind.Internal)?.SetTag(AgentOsTags.CheckpointId, checkpointId);
    }

    internal void OnCheckpointVerified(Activity? activity, Checkpoint? checkpoint, EvidenceVerificationResult result)
    {
        activity?.SetTag(AgentOsTags.TaskId, checkpoint?.TaskId).SetTag(AgentOsTags.CheckpointType, checkpoint?.Type)
            .SetTag(AgentOsTags.CheckpointStatus, result.IsVerified ? "verified" : "failed");
        if (!result.IsVerified)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "evidence failed");
            if (VerificationsFailed.Enabled)
            {
                VerificationsFailed.Add(1, new KeyValuePair<string, object?>(AgentOsTags.CheckpointType, checkpoint?.Type));
            }
        }
    }

    // ---- Leases ----------------------------------------------------------------------------------------------------

    internal static Activity? StartLeaseAcquire(string? workItemId, string? kind, string holder)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        return ActivitySource.StartActivity(LeaseAcquireActivity, ActivityKind.Internal)?
            .SetTag(AgentOsTags.WorkItemId, workItemId).SetTag(AgentOsTags.WorkItemKind, kind).SetTag(AgentOsTags.LeaseHolder, holder);
    }

    internal void OnLeaseAcquired(Activity? activity, Lease? lease)
    {
        if (lease is null)
        {
            activity?.SetTag(AgentOsTags.Result, "none");
            return;
        }

        activity?.SetTag(AgentOsTags.WorkItemId, lease.WorkItemId).SetTag(AgentOsTags.WorkItemKind, lease.Kind)
            .SetTag(AgentOsTags.LeaseEpoch, lease.Epoch).SetTag(AgentOsTags.TaskId, lease.TaskId).SetTag(AgentOsTags.LeaseAttempt, lease.Attempt);
        if (LeasesAcquired.Enabled)
        {
            LeasesAcquired.Add(1, new KeyValuePair<string, object?>(AgentOsTags.WorkItemKind, lease.Kind));
        }
    }

    internal void OnLeaseLost(LeaseLostReason reason)
    {
        if (LeasesLost.Enabled)
        {
            LeasesLost.Add(1, new KeyValuePair<string, object?>(AgentOsTags.LeaseLostReason, ReasonName(reason)));
        }
    }

    // ---- Recovery sweep ------------------------------------------------------------------------------------------------

    internal static Activity? StartSweep() =>
        ActivitySource.HasListeners() ? ActivitySource.StartActivity(RecoverySweepActivity, ActivityKind.Internal) : null;

    internal void OnSweepCompleted(Activity? activity, RecoveryStats stats)
    {
        activity?.SetTag(AgentOsTags.RecoveryFound, stats.ExpiredFound).SetTag(AgentOsTags.RecoveryRequeued, stats.Recovered)
            .SetTag(AgentOsTags.RecoveryFailed, stats.FailedAfterMaxAttempts);
        if (stats.Errors > 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, stats.ErrorMessages.Count > 0 ? stats.ErrorMessages[0] : "a batch failed");
        }

        if (WorkItemsRecovered.Enabled)
        {
            if (stats.Recovered > 0)
            {
                WorkItemsRecovered.Add(stats.Recovered, new KeyValuePair<string, object?>(AgentOsTags.RecoveryOutcome, "requeued"));
            }

            if (stats.FailedAfterMaxAttempts > 0)
            {
                WorkItemsRecovered.Add(stats.FailedAfterMaxAttempts, new KeyValuePair<string, object?>(AgentOsTags.RecoveryOutcome, "failed"));
            }
        }
    }

    // ---- Atomic files (static API: always Default) ------------------------------------------------------------------

    internal static Activity? StartAtomicWrite(string fullPath) =>
        ActivitySource.HasListeners() ? ActivitySource.StartActivity(AtomicWriteActivity, ActivityKind.Internal)?.SetTag(AgentOsTags.FilePath, fullPath) : null;

    internal void OnAtomicWrite(Activity? activity, long startedTimestamp, long size)
    {
        activity?.SetTag(AgentOsTags.FileSize, size);
        if (WriteDuration.Enabled)
        {
            WriteDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
        }

        if (WriteSize.Enabled)
        {
            WriteSize.Record(size);
        }
    }

    internal void OnFilesRecovered(AtomicRecoveryResult result)
    {
        if (!FilesRecovered.Enabled)
        {
            return;
        }

        if (result.Completed.Count > 0)
        {
            FilesRecovered.Add(result.Completed.Count, new KeyValuePair<string, object?>(AgentOsTags.RecoverAction, "rolled_forward"));
        }

        if (result.RolledBack.Count > 0)
        {
            FilesRecovered.Add(result.RolledBack.Count, new KeyValuePair<string, object?>(AgentOsTags.RecoverAction, "rolled_back"));
        }

        if (result.Deleted.Count > 0)
        {
            FilesRecovered.Add(result.Deleted.Count, new KeyValuePair<string, object?>(AgentOsTags.RecoverAction, "deleted"));
        }
    }

    // ---- Idempotency -------------------------------------------------------------------------------------------------

    internal static Activity? StartCacheLookup() =>
        ActivitySource.HasListeners() ? ActivitySource.StartActivity(LlmCacheLookupActivity, ActivityKind.Internal) : null;

    /// <summary>Records a cache lookup: <paramref name="result"/> is <c>hit</c>, <c>miss</c> or <c>wait</c>.</summary>
    internal void OnCacheLookup(Activity? activity, string result)
    {
        activity?.SetTag(AgentOsTags.Result, result);
        if (CacheLookups.Enabled)
        {
            CacheLookups.Add(1, new KeyValuePair<string, object?>(AgentOsTags.Result, result));
        }
    }

    internal static Activity? StartLedgerCall(string tool) =>
        ActivitySource.HasListeners() ? ActivitySource.StartActivity(ToolLedgerCallActivity, ActivityKind.Internal)?.SetTag(AgentOsTags.Tool, tool) : null;

    /// <summary>Records a ledger call: <paramref name="result"/> is <c>executed</c>, <c>replayed</c> or <c>in_doubt</c>.</summary>
    internal void OnLedgerCall(Activity? activity, string result)
    {
        activity?.SetTag(AgentOsTags.Result, result);
        if (LedgerCalls.Enabled)
        {
            LedgerCalls.Add(1, new KeyValuePair<string, object?>(AgentOsTags.Result, result));
        }
    }

    // ---- Health --------------------------------------------------------------------------------------------------------

    internal void OnHealthCheckFailed(string check)
    {
        if (HealthChecksFailed.Enabled)
        {
            HealthChecksFailed.Add(1, new KeyValuePair<string, object?>(AgentOsTags.HealthCheck, check));
        }
    }

    /// <summary>
    /// Restores the caller's current activity after a span was started in a method that returns a task it continues in:
    /// without this the caller's context would keep the span as its parent for everything it does next.
    /// </summary>
    internal static void Detach(Activity? activity, Activity? caller)
    {
        if (activity is not null)
        {
            Activity.Current = caller;
        }
    }

    /// <summary>Makes <paramref name="activity"/> current in an async method (whose context changes do not leak to its caller), and stops it when disposed.</summary>
    internal static Activity? Attach(Activity? activity)
    {
        if (activity is not null)
        {
            Activity.Current = activity;
        }

        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> as failed with the exception's type and message (never a payload).</summary>
    internal static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }

    internal static string StatusName(CheckpointStatus status) => status switch
    {
        CheckpointStatus.Pending => "pending",
        CheckpointStatus.Verified => "verified",
        CheckpointStatus.Failed => "failed",
        CheckpointStatus.Superseded => "superseded",
        _ => "unknown",
    };

    internal static string ReasonName(LeaseLostReason reason) => reason switch
    {
        LeaseLostReason.Expired => "expired",
        LeaseLostReason.Superseded => "superseded",
        LeaseLostReason.NotLeased => "not_leased",
        LeaseLostReason.NotHolder => "not_holder",
        LeaseLostReason.NotFound => "not_found",
        LeaseLostReason.RenewalFailed => "renewal_failed",
        _ => "unknown",
    };
}
