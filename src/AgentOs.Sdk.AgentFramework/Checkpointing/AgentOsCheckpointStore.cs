using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Agents.AI.Workflows.Checkpointing;
using Checkpoint = AgentOs.Sdk.Checkpoints.Checkpoint;
using SdkCheckpointManager = AgentOs.Sdk.Checkpoints.CheckpointManager;

namespace AgentOs.Sdk.AgentFramework;

/// <summary>
/// A Microsoft Agent Framework checkpoint store over an AgentOs store: each workflow checkpoint is a verified checkpoint of
/// the session's task, written in one SQLite transaction, so a process killed at any moment leaves either the whole
/// checkpoint or none.
/// </summary>
/// <remarks>
/// <para>
/// Wire-up: <c>CheckpointManager.CreateJson(new AgentOsCheckpointStore(store))</c>, then run or resume with
/// <c>InProcessExecution</c> as usual.
/// </para>
/// <para>
/// Mapping: the workflow's session id is the task id; the checkpoint id is the AgentOs checkpoint's id (a version 7 GUID);
/// the parent checkpoint id is kept in the checkpoint's metadata; the SHA-256 of the snapshot's JSON text, exactly as given
/// and stored, is its evidence. Every read computes the digest of the stored text again and refuses (with an <see cref="InvalidDataException"/> naming the
/// session, checkpoint and database) a snapshot that does not match, so a damaged row is never handed back as good.
/// </para>
/// <para>
/// <see cref="RetrieveIndexAsync"/> lists the session's verified checkpoints in commit order (the last one is the latest),
/// optionally only the children of a parent. Several threads and processes may use one database at once: sequence
/// numbers and ids are assigned inside the write transaction. Thread-safe; dispose it to close its connections.
/// </para>
/// </remarks>
public sealed class AgentOsCheckpointStore : JsonCheckpointStore, IDisposable
{
    /// <summary>The <see cref="Checkpoint.Type"/> of the checkpoints this store writes.</summary>
    public const string CheckpointType = "agent_framework";

    /// <summary>The <see cref="CustomEvidence.Kind"/> of a snapshot's digest evidence.</summary>
    public const string SnapshotEvidenceKind = "agent_framework_snapshot_sha256";

    /// <summary>The metadata key holding the parent checkpoint's id.</summary>
    public const string ParentMetadataKey = "agent_framework.parent";

    private readonly SdkCheckpointManager _checkpoints;
    private readonly string _databasePath;

    /// <summary>Creates a store over <paramref name="store"/>; the caller keeps ownership of <paramref name="store"/>.</summary>
    /// <param name="store">The AgentOs store the checkpoints are written to.</param>
    /// <param name="options">Options for the checkpoint manager this store creates (clock, busy retries), or null; the snapshot-digest verifier is added to them.</param>
    public AgentOsCheckpointStore(AgentOsStore store, CheckpointManagerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new CheckpointManagerOptions();
        if (!options.EvidenceVerifiers.Any(v => v.Kind == SnapshotEvidenceKind))
        {
            options.EvidenceVerifiers.Add(new SnapshotDigestVerifier());
        }

        _checkpoints = new SdkCheckpointManager(store, options);
        _databasePath = store.DatabasePath;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="sessionId"/> is empty, or <paramref name="parent"/> belongs to another session.</exception>
    /// <exception cref="StoreException">The database cannot be written.</exception>
    public override async ValueTask<CheckpointInfo> CreateCheckpointAsync(string sessionId, JsonElement value, CheckpointInfo? parent = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        if (parent is not null && parent.SessionId != sessionId)
        {
            throw new ArgumentException($"The parent checkpoint '{parent.CheckpointId}' belongs to session '{parent.SessionId}', not '{sessionId}'.", nameof(parent));
        }

        if (value.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The workflow state is an undefined (default) JsonElement.", nameof(value));
        }

        // The digest of the JSON text as given, which is the text the checkpoint stores: no second serialisation.
        var (sha256, length) = SnapshotDigest.OfRaw(value);
        using var data = JsonDocument.Parse(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"sha256\":\"{sha256}\",\"length\":{length},\"form\":\"{SnapshotDigest.RawForm}\"}}"));
        var evidence = new EvidencePack([new CustomEvidence(SnapshotEvidenceKind, data.RootElement)]);
        var metadata = parent is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { [ParentMetadataKey] = parent.CheckpointId };
        var checkpoint = await _checkpoints.CreateCheckpointAsync(sessionId, CheckpointType, value, evidence, metadata: metadata).ConfigureAwait(false);
        if (checkpoint.Status != CheckpointStatus.Verified)
        {
            throw new InvalidOperationException(
                $"Checkpoint {checkpoint.Id} of session '{sessionId}' was recorded as {checkpoint.Status}: {checkpoint.VerificationError} (database '{_databasePath}').");
        }

        return new CheckpointInfo(sessionId, checkpoint.Id);
    }

    /// <inheritdoc />
    /// <exception cref="KeyNotFoundException">The session has no checkpoint with this id.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is not verified, or its snapshot does not match its recorded SHA-256.</exception>
    public override async ValueTask<JsonElement> RetrieveCheckpointAsync(string sessionId, CheckpointInfo key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentNullException.ThrowIfNull(key);
        var checkpoint = await _checkpoints.GetCheckpointAsync(key.CheckpointId).ConfigureAwait(false);
        if (checkpoint is null || checkpoint.TaskId != sessionId || checkpoint.Type != CheckpointType)
        {
            throw new KeyNotFoundException($"Checkpoint '{key.CheckpointId}' of session '{sessionId}' is not in the store at '{_databasePath}'.");
        }

        return Verified(checkpoint);
    }

    /// <inheritdoc />
    public override async ValueTask<IEnumerable<CheckpointInfo>> RetrieveIndexAsync(string sessionId, CheckpointInfo? withParent = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        var checkpoints = await _checkpoints.ListCheckpointsAsync(sessionId, CheckpointStatus.Verified).ConfigureAwait(false);
        return
        [
            .. checkpoints
                .Where(c => c.Type == CheckpointType)
                .Where(c => withParent is null || (c.Metadata.TryGetValue(ParentMetadataKey, out var parent) && parent == withParent.CheckpointId))
                .Select(c => new CheckpointInfo(sessionId, c.Id)),
        ];
    }

    /// <summary>Closes the store's connections; the <see cref="AgentOsStore"/> stays open.</summary>
    public void Dispose() => _checkpoints.Dispose();

    private JsonElement Verified(Checkpoint checkpoint)
    {
        if (checkpoint.Status != CheckpointStatus.Verified)
        {
            throw Damaged(checkpoint, $"it is {checkpoint.Status}{(checkpoint.VerificationError is { } error ? ": " + error : string.Empty)}");
        }

        var recorded = checkpoint.Evidence.OfType<CustomEvidence>().FirstOrDefault(e => e.Kind == SnapshotEvidenceKind);
        if (recorded is null || !recorded.Data.TryGetProperty("sha256", out var expected))
        {
            throw Damaged(checkpoint, "it has no snapshot digest evidence");
        }

        JsonElement snapshot;
        try
        {
            snapshot = checkpoint.Snapshot;
        }
        catch (JsonException ex)
        {
            throw Damaged(checkpoint, $"its snapshot is not valid JSON ({ex.Message})");
        }

        // The stored text's own bytes for checkpoints written with the raw form; the compact form for earlier ones.
        var form = recorded.Data.TryGetProperty("form", out var f) ? (f.ValueKind == JsonValueKind.String ? f.GetString() : f.GetRawText()) : null;
        var (actual, _) = form switch
        {
            SnapshotDigest.RawForm => SnapshotDigest.OfRaw(snapshot),
            null => SnapshotDigest.OfCompact(snapshot),
            _ => throw Damaged(checkpoint, $"its snapshot digest has an unknown form '{form}'"),
        };
        if (!string.Equals(actual, expected.GetString(), StringComparison.Ordinal))
        {
            throw Damaged(checkpoint, $"its snapshot's SHA-256 is {actual}, but {expected.GetString()} was recorded");
        }

        return snapshot.Clone();
    }

    private InvalidDataException Damaged(Checkpoint checkpoint, string why) =>
        new($"Checkpoint '{checkpoint.Id}' of session '{checkpoint.TaskId}' cannot be resumed from: {why} (database '{_databasePath}').");
}
