namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// A step in progress, returned by <see cref="CheckpointManager.BeginStep"/>. Its checkpoint row already exists with
/// status <see cref="CheckpointStatus.Pending"/> and its sequence number; <see cref="CheckpointManager.CommitStep"/> writes
/// the snapshot and evidence. Disposing a step that was not committed marks it failed ("abandoned"); if the process dies
/// instead, the row stays pending. Either way it is never a resume point.
/// </summary>
public sealed class CheckpointStep : IDisposable, IAsyncDisposable
{
    private readonly CheckpointManager _manager;
    private int _completed;

    internal CheckpointStep(
        CheckpointManager manager,
        string checkpointId,
        string taskId,
        string type,
        long sequenceNumber,
        string? workItemId,
        IReadOnlyDictionary<string, string> metadata,
        DateTimeOffset startedAt)
    {
        _manager = manager;
        CheckpointId = checkpointId;
        TaskId = taskId;
        Type = type;
        SequenceNumber = sequenceNumber;
        WorkItemId = workItemId;
        Metadata = metadata;
        StartedAt = startedAt;
    }

    /// <summary>The id of the checkpoint this step commits.</summary>
    public string CheckpointId { get; }

    /// <summary>The task.</summary>
    public string TaskId { get; }

    /// <summary>The checkpoint type.</summary>
    public string Type { get; }

    /// <summary>The sequence number allocated when the step began.</summary>
    public long SequenceNumber { get; }

    /// <summary>The work item, if any.</summary>
    public string? WorkItemId { get; }

    /// <summary>The metadata given when the step began.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>When the step began (the checkpoint's created time).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Whether the step was committed or abandoned through this handle.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    internal CheckpointManager Manager => _manager;

    /// <summary>Abandons the step if it was not committed: its checkpoint becomes <see cref="CheckpointStatus.Failed"/>.</summary>
    public void Dispose()
    {
        if (TryComplete())
        {
            _manager.Abandon(this);
        }
    }

    /// <summary>Abandons the step if it was not committed; see <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        if (TryComplete())
        {
            return new ValueTask(_manager.AbandonAsync(this, async: true).AsTask());
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Marks the step completed; false if it already was (each step commits or abandons once).</summary>
    internal bool TryComplete() => Interlocked.Exchange(ref _completed, 1) == 0;

    /// <summary>Undoes <see cref="TryComplete"/> when a commit failed before anything was written, so the caller may retry.</summary>
    internal void Reopen() => Volatile.Write(ref _completed, 0);
}
