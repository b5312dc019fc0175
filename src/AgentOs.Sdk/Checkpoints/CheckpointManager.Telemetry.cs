using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.Checkpoints;

// Telemetry around the checkpoint operations: a span, the counters and the log events, kept out of the data access.
public sealed partial class CheckpointManager
{
    private Checkpoint Create(
        string taskId,
        string checkpointType,
        string snapshotJson,
        EvidencePack evidence,
        string? workItemId,
        IReadOnlyDictionary<string, string>? metadata,
        CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartCheckpointCreate(taskId, checkpointType, workItemId);
        try
        {
            return Created(activity, CreateCore(taskId, checkpointType, snapshotJson, evidence, workItemId, metadata, cancellationToken));
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private Checkpoint Commit(CheckpointStep step, string snapshotJson, EvidencePack evidence, CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartCheckpointCreate(step?.TaskId ?? string.Empty, step?.Type ?? string.Empty, step?.WorkItemId);
        try
        {
            return Created(activity, CommitCore(step!, snapshotJson, evidence, cancellationToken));
        }
        catch (Exception ex) when (activity is not null)
        {
            AgentOsTelemetry.Failed(activity, ex);
            throw;
        }
    }

    private EvidenceVerificationResult Verify(string checkpointId, CancellationToken cancellationToken)
    {
        using var activity = AgentOsTelemetry.StartCheckpointVerify(checkpointId);
        try
        {
            var result = VerifyCore(checkpointId, cancellationToken);
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
    private void MarkFailed(Checkpoint checkpoint, EvidenceVerificationResult result, CancellationToken cancellationToken)
    {
        MarkFailedCore(checkpoint, result, cancellationToken);
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
