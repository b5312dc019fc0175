using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// A recorded point in an agent task from which the task can resume: the state to resume from (<see cref="Snapshot"/>)
/// and the evidence that the work up to it really happened. Read from the store; immutable.
/// </summary>
public sealed class Checkpoint
{
    private readonly string _snapshotJson;
    private StrongBox<JsonElement>? _snapshot;

    internal Checkpoint(
        string id,
        string taskId,
        string type,
        long sequenceNumber,
        string snapshotJson,
        string? workItemId,
        IReadOnlyDictionary<string, string> metadata,
        EvidencePack evidence,
        DateTimeOffset createdAt,
        CheckpointStatus status,
        DateTimeOffset? verifiedAt,
        string? verificationError)
    {
        Id = id;
        TaskId = taskId;
        Type = type;
        SequenceNumber = sequenceNumber;
        _snapshotJson = snapshotJson;
        WorkItemId = workItemId;
        Metadata = metadata;
        Evidence = evidence;
        CreatedAt = createdAt;
        Status = status;
        VerifiedAt = verifiedAt;
        VerificationError = verificationError;
    }

    /// <summary>The checkpoint's id: a version 7 GUID in its 36-character form, so ids sort roughly by creation time.</summary>
    public string Id { get; }

    /// <summary>The task the checkpoint belongs to.</summary>
    public string TaskId { get; }

    /// <summary>The application's name for the kind of step (for example <c>"plan"</c> or <c>"tool_call"</c>).</summary>
    public string Type { get; }

    /// <summary>The checkpoint's number within its task: 1, 2, 3, ... with no duplicates and no gaps, in commit order.</summary>
    public long SequenceNumber { get; }

    /// <summary>The state to resume from, as JSON; a JSON <c>null</c> while a step is <see cref="CheckpointStatus.Pending"/>.</summary>
    /// <remarks>Parsed from the stored text on first use, so listing checkpoints does not parse every snapshot.</remarks>
    public JsonElement Snapshot
    {
        get
        {
            // A reference is published atomically; two threads racing here at worst both parse the same text.
            var parsed = Volatile.Read(ref _snapshot);
            if (parsed is null)
            {
                parsed = new StrongBox<JsonElement>(JsonSerializer.Deserialize(_snapshotJson, CheckpointJsonContext.Default.JsonElement));
                Volatile.Write(ref _snapshot, parsed);
            }

            return parsed.Value;
        }
    }

    /// <summary>The work item the step belongs to, if any.</summary>
    public string? WorkItemId { get; }

    /// <summary>Application metadata (never null; empty when none was given).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The evidence the checkpoint was committed with (empty while a step is pending).</summary>
    public EvidencePack Evidence { get; }

    /// <summary>When the checkpoint (or its step) was created, to the millisecond, by the manager's clock.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Where the checkpoint stands; only <see cref="CheckpointStatus.Verified"/> checkpoints are resume points.</summary>
    public CheckpointStatus Status { get; }

    /// <summary>When the evidence was last checked (whatever the outcome); null while pending.</summary>
    public DateTimeOffset? VerifiedAt { get; }

    /// <summary>Why the evidence did not hold the last time it was checked; null when verified or pending.</summary>
    public string? VerificationError { get; }

    /// <summary>Deserialises <see cref="Snapshot"/> with source-generated metadata (trimming- and AOT-safe).</summary>
    /// <exception cref="JsonException">The snapshot does not match <typeparamref name="T"/>.</exception>
    public T? GetSnapshot<T>(JsonTypeInfo<T> jsonTypeInfo)
    {
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        return JsonSerializer.Deserialize(_snapshotJson, jsonTypeInfo);
    }

    /// <summary>A short description: task, sequence number, type and status.</summary>
    public override string ToString() => $"{TaskId}#{SequenceNumber} {Type} ({Status})";
}
