using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.Checkpoints;

// Telemetry around the checkpoint operations: a span, the counters and the log events, kept out of the data access.
public sealed partial class CheckpointManager
{
    private async ValueTask<Checkpoint> CreateAsync(
        string taskId,
        string checkpointType,
        string snapshotJson,
        EvidencePack evidence,
        string? workItemId,
        IReadOnlyDictionary<string, string>? metadata,
        bool async,
        CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartCheckpointCreate(taskId, checkpointType, workItemId);
        try
        {
            return Created(activity, await CreateCoreAsync(taskId, checkpointType, snapshotJson, evidence, workItemId, metadata, async, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private async ValueTask<Checkpoint> CommitAsync(CheckpointStep step, string snapshotJson, EvidencePack evidence, bool async, CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartCheckpointCreate(step?.TaskId ?? string.Empty, step?.Type ?? string.Empty, step?.WorkItemId);
        try
        {
            return Created(activity, await CommitCoreAsync(step!, snapshotJson, evidence, async, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private async ValueTask<EvidenceVerificationResult> VerifyAsync(string checkpointId, bool async, CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartCheckpointVerify(checkpointId);
        try
        {
            var result = await VerifyCoreAsync(checkpointId, async, cancellationToken).ConfigureAwait(false);
            _store.Telemetry.OnCheckpointVerified(activity, checkpoint: null, result);
            if (!result.IsVerified)
            {
                AgentOsLog.CheckpointVerificationFailed(_store.Logger, checkpointId, result.Error);
            }

            return result;
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }

    // A checkpoint flagged verified whose evidence no longer holds (found while looking for the resume point).
    private async ValueTask MarkFailedAsync(Checkpoint checkpoint, EvidenceVerificationResult result, bool async, CancellationToken cancellationToken)
    {
        await MarkFailedCoreAsync(checkpoint, result, async, cancellationToken).ConfigureAwait(false);
        _store.Telemetry.OnCheckpointVerified(activity: null, checkpoint, result);
        AgentOsLog.CheckpointEvidenceFailed(_store.Logger, checkpoint.Id, checkpoint.TaskId, checkpoint.SequenceNumber, checkpoint.Type, result.Error);
    }

    private Checkpoint Created(System.Diagnostics.Activity? activity, Checkpoint checkpoint)
    {
        _store.Telemetry.OnCheckpointCreated(activity, checkpoint);
        if (checkpoint.Status == CheckpointStatus.Failed)
        {
            AgentOsLog.CheckpointEvidenceFailed(_store.Logger, checkpoint.Id, checkpoint.TaskId, checkpoint.SequenceNumber, checkpoint.Type, checkpoint.VerificationError);
        }

        return checkpoint;
    }
}
