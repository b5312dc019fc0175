using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Diagnostics;

/// <summary>
/// The SDK's log events, with stable ids (documented in <c>docs/telemetry.md</c>): 1xx checkpoints, 2xx leases,
/// 3xx the recovery sweep, 5xx idempotency. Health-check events keep their ids 1-5; the hosting package uses 9xx.
/// Messages name the item, the worker and the epoch, never a payload.
/// </summary>
internal static partial class AgentOsLog
{
    [LoggerMessage(EventId = 101, EventName = "CheckpointEvidenceFailed", Level = LogLevel.Warning,
        Message = "Checkpoint {CheckpointId} (task {TaskId}, #{Sequence}, type {CheckpointType}) failed its evidence: {Error}")]
    public static partial void CheckpointEvidenceFailed(ILogger logger, string checkpointId, string taskId, long sequence, string checkpointType, string? error);

    [LoggerMessage(EventId = 102, EventName = "CheckpointVerificationFailed", Level = LogLevel.Warning,
        Message = "Checkpoint {CheckpointId} failed re-verification: {Error}")]
    public static partial void CheckpointVerificationFailed(ILogger logger, string checkpointId, string? error);

    [LoggerMessage(EventId = 201, EventName = "LeaseAcquired", Level = LogLevel.Debug,
        Message = "Worker {Holder} acquired work item {WorkItemId} ({Kind}) at epoch {Epoch}, attempt {Attempt} of {MaxAttempts}")]
    public static partial void LeaseAcquired(ILogger logger, string holder, string workItemId, string kind, long epoch, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 203, EventName = "LeaseLost", Level = LogLevel.Warning,
        Message = "Worker {Holder} lost lease epoch {Epoch} on work item {WorkItemId} ({Reason}): {Detail}")]
    public static partial void LeaseLost(ILogger logger, string holder, long epoch, string workItemId, string reason, string detail);

    [LoggerMessage(EventId = 301, EventName = "SweepRecovered", Level = LogLevel.Information,
        Message = "Recovery sweep on {DatabasePath}: {Found} expired leases found, {Requeued} re-queued, {Failed} failed after their last attempt, {LeftAlone} left alone")]
    public static partial void SweepRecovered(ILogger logger, string databasePath, int found, int requeued, int failed, int leftAlone);

    [LoggerMessage(EventId = 302, EventName = "SweepBatchFailed", Level = LogLevel.Error,
        Message = "Recovery sweep on {DatabasePath}: a batch failed and ended the run: {Error}")]
    public static partial void SweepBatchFailed(ILogger logger, string databasePath, string error);

    [LoggerMessage(EventId = 501, EventName = "ClaimInDoubt", Level = LogLevel.Warning,
        Message = "Idempotency key {Key} was in doubt: owner {PreviousOwner}'s claim expired without an outcome (it may or may not have run); {Owner} runs it again at epoch {Epoch}")]
    public static partial void ClaimInDoubt(ILogger logger, string key, string? previousOwner, string owner, long epoch);

    /// <summary>Logs <see cref="ClaimInDoubt"/> when <paramref name="inDoubt"/>: one line at the claim site.</summary>
    public static void ClaimInDoubtIf(ILogger logger, bool inDoubt, string key, string? previousOwner, string owner, long epoch)
    {
        if (inDoubt)
        {
            ClaimInDoubt(logger, key, previousOwner, owner, epoch);
        }
    }
}
