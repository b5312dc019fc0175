using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Records checkpoints of agent tasks in an <see cref="AgentOsStore"/>, verifies their evidence, and finds the point a
/// task resumes from after a crash.
/// </summary>
/// <remarks>
/// <para>
/// <b>Sequence numbers.</b> Each checkpoint gets the next number of its task (1, 2, 3, ...) inside the transaction that
/// inserts it: <c>BEGIN IMMEDIATE</c>, then one <c>INSERT ... SELECT MAX(sequence_number) + 1</c>, backed by
/// <c>UNIQUE(task_id, sequence_number)</c>. Any number of threads and processes writing one task never get a duplicate
/// or a gap. Numbers are never reused: <see cref="Prune"/> keeps the highest-numbered checkpoint of a task.
/// </para>
/// <para>
/// <b>Busy database.</b> A writer waits for another's lock first in SQLite (the store's busy timeout, 5 s by default), then
/// in the driver (which retries a busy statement until its command timeout). Should the database still be busy or locked,
/// the whole transaction is rolled back and run again from the start, up to <see cref="CheckpointManagerOptions.MaxBusyRetries"/>
/// times with an exponential back-off; only then does the call fail, with a <see cref="StoreException"/>. A write is never
/// dropped silently.
/// </para>
/// <para>
/// <b>Evidence</b> is checked before the write transaction starts (it may hash files), never while the write lock is held.
/// A checkpoint is <see cref="CheckpointStatus.Verified"/> only if its pack is not empty and every item held.
/// </para>
/// <para>
/// The manager is thread-safe; share one per store. It keeps a few open connections with prepared statements, closed by
/// <see cref="Dispose"/>. The asynchronous methods run the same work on the thread pool, because SQLite's API is synchronous.
/// </para>
/// </remarks>
public sealed partial class CheckpointManager : IDisposable
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraintForeignKey = 787;
    private static readonly TimeSpan MaxBusyRetryDelay = TimeSpan.FromSeconds(2);

    private readonly AgentOsStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly CheckpointConnectionPool _pool;
    // Never disposed: a write still in flight when the manager is disposed must be able to release it.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly EvidenceChecker _checker;
    private readonly int _maxBusyRetries;
    private readonly bool _auditCreation;
    private readonly TimeSpan _busyRetryDelay;

    /// <summary>Creates a manager over <paramref name="store"/>.</summary>
    /// <exception cref="ArgumentException">Two evidence verifiers have the same kind, or an option is out of range.</exception>
    public CheckpointManager(AgentOsStore store, CheckpointManagerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new CheckpointManagerOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxBusyRetries, nameof(options));
        if (options.BusyRetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BusyRetryDelay, "The busy retry delay cannot be negative.");
        }

        var verifiers = new Dictionary<string, IEvidenceVerifier>(StringComparer.Ordinal);
        foreach (var verifier in options.EvidenceVerifiers)
        {
            ArgumentNullException.ThrowIfNull(verifier, nameof(options));
            if (string.IsNullOrWhiteSpace(verifier.Kind))
            {
                throw new ArgumentException($"The evidence verifier {verifier.GetType().Name} has an empty kind.", nameof(options));
            }

            if (!verifiers.TryAdd(verifier.Kind, verifier))
            {
                throw new ArgumentException(
                    $"Two evidence verifiers are registered for kind '{verifier.Kind}': {verifiers[verifier.Kind].GetType().Name} and {verifier.GetType().Name}.",
                    nameof(options));
            }
        }

        _store = store;
        _timeProvider = options.TimeProvider ?? store.Options.TimeProvider;
        _maxBusyRetries = options.MaxBusyRetries;
        _auditCreation = options.AuditCheckpointCreation;
        _busyRetryDelay = options.BusyRetryDelay;
        BaseDirectory = Path.GetFullPath(options.BaseDirectory ?? Path.GetDirectoryName(store.DatabasePath)!);
        _pool = new CheckpointConnectionPool(store);
        _checker = new EvidenceChecker(store, _pool, BaseDirectory, _timeProvider, verifiers);
    }

    /// <summary>The store the checkpoints live in.</summary>
    public AgentOsStore Store => _store;

    /// <summary>The folder relative artifact paths in evidence are resolved against.</summary>
    public string BaseDirectory { get; }

    // ---------------------------------------------------------------- create in one call

    /// <summary>
    /// Verifies <paramref name="evidence"/>, then records a checkpoint with the task's next sequence number and the outcome
    /// (<see cref="CheckpointStatus.Verified"/> or <see cref="CheckpointStatus.Failed"/>), creating the task row if needed,
    /// in one transaction (with a <c>checkpoint_created</c> audit if <see cref="CheckpointManagerOptions.AuditCheckpointCreation"/> is set).
    /// </summary>
    /// <param name="taskId">The task.</param>
    /// <param name="checkpointType">The application's name for the kind of step.</param>
    /// <param name="snapshot">The state to resume from.</param>
    /// <param name="evidence">The evidence that the step happened; an empty pack is recorded as failed.</param>
    /// <param name="workItemId">The work item the step belongs to (it must exist in <c>work_items</c>), or null.</param>
    /// <param name="metadata">Application metadata, or null.</param>
    /// <returns>The checkpoint as stored.</returns>
    /// <exception cref="ArgumentException">An argument is empty or undefined, or the work item does not exist.</exception>
    /// <exception cref="StoreException">The database cannot be written.</exception>
    public Checkpoint CreateCheckpoint(
        string taskId,
        string checkpointType,
        JsonElement snapshot,
        EvidencePack evidence,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        Create(taskId, checkpointType, SnapshotText(snapshot), evidence, workItemId, metadata, CancellationToken.None);

    /// <summary>Serialises <paramref name="snapshot"/> with source-generated metadata and records a checkpoint; see <see cref="CreateCheckpoint(string, string, JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public Checkpoint CreateCheckpoint<T>(
        string taskId,
        string checkpointType,
        T snapshot,
        JsonTypeInfo<T> snapshotTypeInfo,
        EvidencePack evidence,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        Create(taskId, checkpointType, SnapshotText(snapshot, snapshotTypeInfo), evidence, workItemId, metadata, CancellationToken.None);

    /// <summary>Records a checkpoint; see <see cref="CreateCheckpoint(string, string, JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public Task<Checkpoint> CreateCheckpointAsync(
        string taskId,
        string checkpointType,
        JsonElement snapshot,
        EvidencePack evidence,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        var text = SnapshotText(snapshot);
        return Task.Run(() => Create(taskId, checkpointType, text, evidence, workItemId, metadata, cancellationToken), cancellationToken);
    }

    /// <summary>Serialises <paramref name="snapshot"/> and records a checkpoint; see <see cref="CreateCheckpoint(string, string, JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public Task<Checkpoint> CreateCheckpointAsync<T>(
        string taskId,
        string checkpointType,
        T snapshot,
        JsonTypeInfo<T> snapshotTypeInfo,
        EvidencePack evidence,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        var text = SnapshotText(snapshot, snapshotTypeInfo);
        return Task.Run(() => Create(taskId, checkpointType, text, evidence, workItemId, metadata, cancellationToken), cancellationToken);
    }

    // ---------------------------------------------------------------- steps

    /// <summary>
    /// Begins a step: records a <see cref="CheckpointStatus.Pending"/> checkpoint with the task's next sequence number
    /// (creating the task row if needed) and a <c>step_begun</c> audit, in one transaction.
    /// </summary>
    /// <remarks>
    /// Commit the step with <see cref="CommitStep"/>. If the process dies first, the pending row stays visible in
    /// <see cref="ListCheckpoints"/> and is never a resume point; <see cref="AbandonPendingSteps"/> retires such rows.
    /// Disposing the returned step without committing marks it failed.
    /// </remarks>
    /// <exception cref="ArgumentException">An argument is empty, or the work item does not exist.</exception>
    /// <exception cref="StoreException">The database cannot be written.</exception>
    public CheckpointStep BeginStep(string taskId, string checkpointType, string? workItemId = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        Begin(taskId, checkpointType, workItemId, metadata, CancellationToken.None);

    /// <summary>Begins a step; see <see cref="BeginStep"/>.</summary>
    public Task<CheckpointStep> BeginStepAsync(
        string taskId,
        string checkpointType,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        Task.Run(() => Begin(taskId, checkpointType, workItemId, metadata, cancellationToken), cancellationToken);

    /// <summary>
    /// Commits a step: verifies <paramref name="evidence"/>, then writes the snapshot, the evidence and the outcome into the
    /// step's pending checkpoint with a <c>checkpoint_committed</c> audit, in one transaction.
    /// </summary>
    /// <returns>The committed checkpoint (<see cref="CheckpointStatus.Verified"/> or <see cref="CheckpointStatus.Failed"/>).</returns>
    /// <exception cref="ArgumentException">The step belongs to another manager, or the snapshot is undefined.</exception>
    /// <exception cref="InvalidOperationException">
    /// The step was already committed or abandoned, or its checkpoint is no longer pending (a rollback superseded it, or
    /// <see cref="AbandonPendingSteps"/> retired it).
    /// </exception>
    /// <exception cref="StoreException">The database cannot be written; the step stays pending and may be committed again.</exception>
    public Checkpoint CommitStep(CheckpointStep step, JsonElement snapshot, EvidencePack evidence) =>
        Commit(step, SnapshotText(snapshot), evidence, CancellationToken.None);

    /// <summary>Serialises <paramref name="snapshot"/> and commits the step; see <see cref="CommitStep(CheckpointStep, JsonElement, EvidencePack)"/>.</summary>
    public Checkpoint CommitStep<T>(CheckpointStep step, T snapshot, JsonTypeInfo<T> snapshotTypeInfo, EvidencePack evidence) =>
        Commit(step, SnapshotText(snapshot, snapshotTypeInfo), evidence, CancellationToken.None);

    /// <summary>Commits a step; see <see cref="CommitStep(CheckpointStep, JsonElement, EvidencePack)"/>.</summary>
    public Task<Checkpoint> CommitStepAsync(CheckpointStep step, JsonElement snapshot, EvidencePack evidence, CancellationToken cancellationToken = default)
    {
        var text = SnapshotText(snapshot);
        return Task.Run(() => Commit(step, text, evidence, cancellationToken), cancellationToken);
    }

    /// <summary>Serialises <paramref name="snapshot"/> and commits the step; see <see cref="CommitStep(CheckpointStep, JsonElement, EvidencePack)"/>.</summary>
    public Task<Checkpoint> CommitStepAsync<T>(
        CheckpointStep step,
        T snapshot,
        JsonTypeInfo<T> snapshotTypeInfo,
        EvidencePack evidence,
        CancellationToken cancellationToken = default)
    {
        var text = SnapshotText(snapshot, snapshotTypeInfo);
        return Task.Run(() => Commit(step, text, evidence, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Marks every <see cref="CheckpointStatus.Pending"/> checkpoint of the task failed, with <paramref name="reason"/>, and
    /// audits each. Call it when resuming a task whose previous worker died mid-step, while holding the task's lease:
    /// a step still running elsewhere would fail to commit afterwards.
    /// </summary>
    /// <returns>How many steps were abandoned.</returns>
    public int AbandonPendingSteps(string taskId, string reason) =>
        AbandonPending(taskId, reason, CancellationToken.None);

    /// <summary>Abandons pending steps; see <see cref="AbandonPendingSteps"/>.</summary>
    public Task<int> AbandonPendingStepsAsync(string taskId, string reason, CancellationToken cancellationToken = default) =>
        Task.Run(() => AbandonPending(taskId, reason, cancellationToken), cancellationToken);

    // ---------------------------------------------------------------- verification and resume

    /// <summary>Checks <paramref name="evidence"/> without recording anything (what a checkpoint with it would get).</summary>
    public EvidenceVerificationResult VerifyEvidence(EvidencePack evidence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return _checker.Verify(evidence, cancellationToken);
    }

    /// <summary>
    /// Re-runs the evidence of a committed checkpoint and records the outcome: <see cref="CheckpointStatus.Verified"/> or
    /// <see cref="CheckpointStatus.Failed"/> with the error, the time checked, and a <c>checkpoint_verified</c> or
    /// <c>checkpoint_verification_failed</c> audit listing each item's outcome. A failed checkpoint whose evidence holds
    /// again (a restored artifact) becomes verified.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No checkpoint has this id.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint is a pending step, or was superseded by a rollback.</exception>
    public EvidenceVerificationResult VerifyCheckpoint(string checkpointId) => Verify(checkpointId, CancellationToken.None);

    /// <summary>Re-runs a checkpoint's evidence; see <see cref="VerifyCheckpoint"/>.</summary>
    public Task<EvidenceVerificationResult> VerifyCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default) =>
        Task.Run(() => Verify(checkpointId, cancellationToken), cancellationToken);

    /// <summary>
    /// The point the task resumes from: its highest-numbered <see cref="CheckpointStatus.Verified"/> checkpoint whose
    /// evidence still holds now.
    /// </summary>
    /// <remarks>
    /// One indexed query (a seek on the partial index of verified checkpoints) finds the newest checkpoint flagged verified;
    /// its evidence is then checked again, because the stored flag only says it held once (the peer restored from a
    /// checkpoint whose artifact had been deleted). If it no longer holds, that checkpoint is recorded as
    /// <see cref="CheckpointStatus.Failed"/> with the error (and a <c>checkpoint_verification_failed</c> audit), and the
    /// next older verified checkpoint is considered the same way, until one holds or none is left. A checkpoint that
    /// passes is returned as stored; nothing is written for it.
    /// </remarks>
    /// <returns>The resume point, or null when the task has no checkpoint whose evidence holds.</returns>
    public Checkpoint? GetLastVerifiedCheckpoint(string taskId) => LastVerified(taskId, CancellationToken.None);

    /// <summary>Finds the resume point; see <see cref="GetLastVerifiedCheckpoint"/>.</summary>
    public Task<Checkpoint?> GetLastVerifiedCheckpointAsync(string taskId, CancellationToken cancellationToken = default) =>
        Task.Run(() => LastVerified(taskId, cancellationToken), cancellationToken);

    /// <summary>The checkpoint with this id as stored (its evidence is not re-checked), or null.</summary>
    public Checkpoint? GetCheckpoint(string checkpointId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointId);
        return Read("read a checkpoint", connection => ReadOne(connection, CheckpointSql.SelectById, ("$id", checkpointId)));
    }

    /// <summary>Reads a checkpoint; see <see cref="GetCheckpoint"/>.</summary>
    public Task<Checkpoint?> GetCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default) =>
        Task.Run(() => GetCheckpoint(checkpointId), cancellationToken);

    /// <summary>The task's checkpoints as stored, in sequence order, optionally only those with <paramref name="status"/>.</summary>
    public IReadOnlyList<Checkpoint> ListCheckpoints(string taskId, CheckpointStatus? status = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return Read("list checkpoints", connection =>
        {
            var command = status is { } wanted
                ? connection.Command(CheckpointSql.SelectByTaskAndStatus)
                : connection.Command(CheckpointSql.SelectByTask);
            command.Set("$task", taskId);
            if (status is { } s)
            {
                command.Set("$status", StatusText.Of(s));
            }

            var list = new List<Checkpoint>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                list.Add(ReadCheckpoint(reader));
            }

            return list;
        });
    }

    /// <summary>Lists the task's checkpoints; see <see cref="ListCheckpoints"/>.</summary>
    public Task<IReadOnlyList<Checkpoint>> ListCheckpointsAsync(string taskId, CheckpointStatus? status = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => ListCheckpoints(taskId, status), cancellationToken);

    // ---------------------------------------------------------------- rollback and pruning

    /// <summary>
    /// Makes checkpoint <paramref name="sequenceNumber"/> the task's resume point: every later checkpoint (verified, failed
    /// or pending) is marked <see cref="CheckpointStatus.Superseded"/>, kept for the record but never resumed from, with a
    /// <c>rolled_back</c> audit. New checkpoints continue the numbering after the superseded ones.
    /// </summary>
    /// <remarks>
    /// The target must be verified, and its evidence is re-checked first: a rollback to a point whose artifacts are gone
    /// would resume from nothing. A step still pending after the target cannot be committed afterwards.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The task has no checkpoint with this number.</exception>
    /// <exception cref="InvalidOperationException">The target is not verified, or its evidence no longer holds (it is then recorded as failed).</exception>
    public CheckpointRollbackResult RollbackTo(string taskId, long sequenceNumber) => Rollback(taskId, sequenceNumber, CancellationToken.None);

    /// <summary>Rolls back; see <see cref="RollbackTo"/>.</summary>
    public Task<CheckpointRollbackResult> RollbackToAsync(string taskId, long sequenceNumber, CancellationToken cancellationToken = default) =>
        Task.Run(() => Rollback(taskId, sequenceNumber, cancellationToken), cancellationToken);

    /// <summary>
    /// Deletes the task's old checkpoints, keeping the newest <paramref name="keepLast"/> that a rollback has not superseded.
    /// It never deletes the resume point: it first finds it as <see cref="GetLastVerifiedCheckpoint"/> does (re-checking
    /// evidence), and also keeps the newest checkpoint flagged verified, pending steps, and the highest-numbered checkpoint
    /// (so that sequence numbers are never reused). Superseded checkpoints outside the window are deleted.
    /// </summary>
    /// <returns>How many checkpoints were deleted (a <c>pruned</c> audit records it when any were).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepLast"/> is less than 1.</exception>
    public int Prune(string taskId, int keepLast) => PruneCore(taskId, keepLast, CancellationToken.None);

    /// <summary>Prunes old checkpoints; see <see cref="Prune"/>.</summary>
    public Task<int> PruneAsync(string taskId, int keepLast, CancellationToken cancellationToken = default) =>
        Task.Run(() => PruneCore(taskId, keepLast, cancellationToken), cancellationToken);

    /// <summary>Closes the manager's open connections.</summary>
    public void Dispose() => _pool.Dispose();

    // ---------------------------------------------------------------- implementation

    internal void Abandon(CheckpointStep step)
    {
        try
        {
            Write("abandon a step", (connection, transaction) =>
            {
                var update = connection.Command(CheckpointSql.AbandonStep, transaction);
                update.Set("$id", step.CheckpointId);
                update.Set("$error", "The step was abandoned before it was committed");
                if (update.ExecuteNonQuery() == 1)
                {
                    Audit(connection, transaction, step.TaskId, TaskAuditEvents.StepAbandoned, TaskAuditLevel.Warning, Payload(new AuditPayload
                    {
                        CheckpointId = step.CheckpointId,
                        SequenceNumber = step.SequenceNumber,
                        CheckpointType = step.Type,
                        Status = CheckpointStatus.Failed,
                        Error = "disposed without commit",
                    }));
                }

                return 0;
            }, CancellationToken.None);
        }
        catch (StoreException)
        {
            // Dispose must not throw; the row stays pending, which is just as safe: it is never a resume point.
        }
        catch (ObjectDisposedException)
        {
            // The manager was disposed first; the row stays pending.
        }
    }

    private Checkpoint CreateCore(
        string taskId,
        string checkpointType,
        string snapshotJson,
        EvidencePack evidence,
        string? workItemId,
        IReadOnlyDictionary<string, string>? metadata,
        CancellationToken cancellationToken)
    {
        ValidateNames(taskId, checkpointType, workItemId);
        ArgumentNullException.ThrowIfNull(evidence);
        var (metadataCopy, metadataJson) = Metadata(metadata);
        var evidenceJson = EvidenceJson(evidence);

        // Evidence first, outside the write lock: it may hash files or query the database.
        var verification = _checker.Verify(evidence, cancellationToken);
        var status = verification.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed;
        var verifiedAt = Milliseconds(verification.CheckedAt);
        var id = NewId();

        var (sequence, createdAt) = WriteWithWorkItem("create a checkpoint", workItemId, (connection, transaction) =>
        {
            var now = Now();
            EnsureTask(connection, transaction, taskId, now);
            var sequence = Insert(connection, transaction, id, taskId, checkpointType, workItemId, snapshotJson, evidenceJson, metadataJson, status, verifiedAt, verification.Error, now);
            if (_auditCreation)
            {
                Audit(connection, transaction, taskId, TaskAuditEvents.CheckpointCreated, status == CheckpointStatus.Verified ? TaskAuditLevel.Info : TaskAuditLevel.Warning, Payload(new AuditPayload
                {
                    CheckpointId = id,
                    SequenceNumber = sequence,
                    CheckpointType = checkpointType,
                    Status = status,
                    Error = verification.Error,
                }), now);
            }

            return (sequence, now);
        }, cancellationToken);

        return new Checkpoint(
            id, taskId, checkpointType, sequence, snapshotJson, workItemId, metadataCopy, evidence,
            DateTimeOffset.FromUnixTimeMilliseconds(createdAt), status, DateTimeOffset.FromUnixTimeMilliseconds(verifiedAt), verification.Error);
    }

    private CheckpointStep Begin(
        string taskId,
        string checkpointType,
        string? workItemId,
        IReadOnlyDictionary<string, string>? metadata,
        CancellationToken cancellationToken)
    {
        ValidateNames(taskId, checkpointType, workItemId);
        var (metadataCopy, metadataJson) = Metadata(metadata);
        var id = NewId();

        var (sequence, startedAt) = WriteWithWorkItem("begin a step", workItemId, (connection, transaction) =>
        {
            var now = Now();
            EnsureTask(connection, transaction, taskId, now);
            // A pending row with no snapshot and no evidence: the visible trace of a step in progress (or of a crash in it).
            var sequence = Insert(connection, transaction, id, taskId, checkpointType, workItemId, "null", "[]", metadataJson, CheckpointStatus.Pending, null, null, now);
            Audit(connection, transaction, taskId, TaskAuditEvents.StepBegun, TaskAuditLevel.Info, Payload(new AuditPayload
            {
                CheckpointId = id,
                SequenceNumber = sequence,
                CheckpointType = checkpointType,
                Status = CheckpointStatus.Pending,
            }), now);
            return (sequence, now);
        }, cancellationToken);

        return new CheckpointStep(this, id, taskId, checkpointType, sequence, workItemId, metadataCopy, DateTimeOffset.FromUnixTimeMilliseconds(startedAt));
    }

    private Checkpoint CommitCore(CheckpointStep step, string snapshotJson, EvidencePack evidence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(evidence);
        if (!ReferenceEquals(step.Manager, this))
        {
            throw new ArgumentException($"Step {step.TaskId}#{step.SequenceNumber} was begun by another CheckpointManager; commit it there.", nameof(step));
        }

        if (!step.TryComplete())
        {
            throw new InvalidOperationException($"Step {step.TaskId}#{step.SequenceNumber} ({step.CheckpointId}) was already committed or abandoned.");
        }

        var written = false;
        try
        {
            var evidenceJson = EvidenceJson(evidence);
            var verification = _checker.Verify(evidence, cancellationToken);
            var status = verification.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed;
            var verifiedAt = Milliseconds(verification.CheckedAt);

            var outcome = Write("commit a step", (connection, transaction) =>
            {
                var update = connection.Command(CheckpointSql.CommitStep, transaction);
                update.Set("$id", step.CheckpointId);
                update.Set("$snapshot", snapshotJson);
                update.Set("$evidence", evidenceJson);
                update.Set("$status", StatusText.Of(status));
                update.Set("$verified_at", verifiedAt);
                update.Set("$error", (object?)verification.Error ?? DBNull.Value);
                if (update.ExecuteNonQuery() != 1)
                {
                    return StatusOf(connection, transaction, step.CheckpointId);
                }

                Audit(connection, transaction, step.TaskId, TaskAuditEvents.CheckpointCommitted, status == CheckpointStatus.Verified ? TaskAuditLevel.Info : TaskAuditLevel.Warning, Payload(new AuditPayload
                {
                    CheckpointId = step.CheckpointId,
                    SequenceNumber = step.SequenceNumber,
                    CheckpointType = step.Type,
                    Status = status,
                    Error = verification.Error,
                }));
                return (CheckpointStatus?)CheckpointStatus.Pending;
            }, cancellationToken);

            written = true;
            if (outcome != CheckpointStatus.Pending)
            {
                var why = outcome switch
                {
                    null => "it no longer exists",
                    CheckpointStatus.Superseded => "a rollback to an earlier checkpoint superseded it",
                    CheckpointStatus.Failed => "it was abandoned (AbandonPendingSteps) or committed by another handle",
                    _ => "it was already committed",
                };
                throw new InvalidOperationException($"Step {step.TaskId}#{step.SequenceNumber} ({step.CheckpointId}) cannot be committed: {why}.");
            }

            return new Checkpoint(
                step.CheckpointId, step.TaskId, step.Type, step.SequenceNumber, snapshotJson, step.WorkItemId, step.Metadata, evidence,
                step.StartedAt, status, DateTimeOffset.FromUnixTimeMilliseconds(verifiedAt), verification.Error);
        }
        finally
        {
            if (!written)
            {
                // Nothing was written (cancelled, or the database failed): the step is still pending and may be committed again.
                step.Reopen();
            }
        }
    }

    private int AbandonPending(string taskId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return Write("abandon pending steps", (connection, transaction) =>
        {
            var update = connection.Command(CheckpointSql.AbandonPendingSteps, transaction);
            update.Set("$task", taskId);
            update.Set("$error", "The step was abandoned: " + reason);
            var abandoned = new List<(string Id, long Sequence, string Type)>();
            using (var reader = update.ExecuteReader())
            {
                while (reader.Read())
                {
                    abandoned.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
                }
            }

            foreach (var (id, sequence, type) in abandoned)
            {
                Audit(connection, transaction, taskId, TaskAuditEvents.StepAbandoned, TaskAuditLevel.Warning, Payload(new AuditPayload
                {
                    CheckpointId = id,
                    SequenceNumber = sequence,
                    CheckpointType = type,
                    Status = CheckpointStatus.Failed,
                    Error = reason,
                }));
            }

            return abandoned.Count;
        }, cancellationToken);
    }

    private EvidenceVerificationResult VerifyCore(string checkpointId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointId);
        var checkpoint = Read("read a checkpoint", connection => ReadOne(connection, CheckpointSql.SelectById, ("$id", checkpointId)))
            ?? throw new KeyNotFoundException($"No checkpoint has the id '{checkpointId}' in '{_store.DatabasePath}'.");
        if (checkpoint.Status is CheckpointStatus.Pending or CheckpointStatus.Superseded)
        {
            throw new InvalidOperationException(
                checkpoint.Status == CheckpointStatus.Pending
                    ? $"Checkpoint {checkpoint} is a step that was begun and not committed: commit it, or abandon it, before verifying it."
                    : $"Checkpoint {checkpoint} was superseded by a rollback and is never verified again.");
        }

        var result = _checker.Verify(checkpoint.Evidence, cancellationToken);
        var changed = Write("record a verification", (connection, transaction) =>
        {
            var status = result.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed;
            var update = connection.Command(CheckpointSql.RecordVerification, transaction);
            update.Set("$id", checkpoint.Id);
            update.Set("$status", StatusText.Of(status));
            update.Set("$verified_at", Milliseconds(result.CheckedAt));
            update.Set("$error", (object?)result.Error ?? DBNull.Value);
            if (update.ExecuteNonQuery() != 1)
            {
                return StatusOf(connection, transaction, checkpoint.Id);
            }

            AuditVerification(connection, transaction, checkpoint, result);
            return (CheckpointStatus?)status;
        }, cancellationToken);

        if (changed is not (CheckpointStatus.Verified or CheckpointStatus.Failed))
        {
            throw new InvalidOperationException(
                $"Checkpoint {checkpoint} changed to {changed?.ToString() ?? "deleted"} while its evidence was being checked; the result was not recorded.");
        }

        return result;
    }

    private Checkpoint? LastVerified(string taskId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = Read("find the last verified checkpoint", connection => ReadOne(connection, CheckpointSql.SelectLastVerified, ("$task", taskId)));
            if (candidate is null)
            {
                return null;
            }

            var result = _checker.Verify(candidate.Evidence, cancellationToken);
            if (result.IsVerified)
            {
                return candidate;
            }

            // The flag said verified, the evidence says no: record it, so that the next query skips this one.
            MarkFailed(candidate, result, cancellationToken);
        }
    }

    private void MarkFailedCore(Checkpoint checkpoint, EvidenceVerificationResult result, CancellationToken cancellationToken) =>
        Write("record a failed re-check", (connection, transaction) =>
        {
            var update = connection.Command(CheckpointSql.MarkVerifiedAsFailed, transaction);
            update.Set("$id", checkpoint.Id);
            update.Set("$verified_at", Milliseconds(result.CheckedAt));
            update.Set("$error", result.Error!);
            if (update.ExecuteNonQuery() == 1)
            {
                AuditVerification(connection, transaction, checkpoint, result);
            }

            return 0;
        }, cancellationToken);

    private CheckpointRollbackResult Rollback(string taskId, long sequenceNumber, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        var target = Read("read a checkpoint", connection => ReadOne(connection, CheckpointSql.SelectBySequence, ("$task", taskId), ("$sequence", sequenceNumber)))
            ?? throw new ArgumentOutOfRangeException(nameof(sequenceNumber), sequenceNumber, $"Task '{taskId}' has no checkpoint #{sequenceNumber}.");
        if (target.Status != CheckpointStatus.Verified)
        {
            throw new InvalidOperationException(
                $"Cannot roll back to {target}: only a verified checkpoint can be a resume point{(target.VerificationError is { } error ? " (" + error + ")" : string.Empty)}.");
        }

        var result = _checker.Verify(target.Evidence, cancellationToken);
        if (!result.IsVerified)
        {
            MarkFailed(target, result, cancellationToken);
            throw new InvalidOperationException($"Cannot roll back to {target}: its evidence no longer holds: {result.Error}");
        }

        var superseded = Write("roll back", (connection, transaction) =>
        {
            // Re-read inside the write lock: another writer may have changed the target since it was checked.
            var status = StatusOf(connection, transaction, target.Id);
            if (status != CheckpointStatus.Verified)
            {
                throw new InvalidOperationException($"Cannot roll back to {target}: it became {status?.ToString() ?? "deleted"} meanwhile.");
            }

            var update = connection.Command(CheckpointSql.SupersedeAfter, transaction);
            update.Set("$task", taskId);
            update.Set("$sequence", sequenceNumber);
            var count = update.ExecuteNonQuery();
            Audit(connection, transaction, taskId, TaskAuditEvents.RolledBack, TaskAuditLevel.Warning, Payload(new AuditPayload
            {
                CheckpointId = target.Id,
                SequenceNumber = target.SequenceNumber,
                CheckpointType = target.Type,
                SupersededCount = count,
            }));
            return count;
        }, cancellationToken);

        return new CheckpointRollbackResult(target, superseded);
    }

    private int PruneCore(string taskId, int keepLast, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);

        // The real resume point, evidence re-checked: the newest flag alone may point at a checkpoint whose artifacts are gone.
        var resumePoint = LastVerified(taskId, cancellationToken);
        return Write("prune checkpoints", (connection, transaction) =>
        {
            var delete = connection.Command(CheckpointSql.Prune, transaction);
            delete.Set("$task", taskId);
            delete.Set("$keep_id", (object?)resumePoint?.Id ?? DBNull.Value);
            delete.Set("$keep_last", keepLast);
            var deleted = delete.ExecuteNonQuery();
            if (deleted > 0)
            {
                Audit(connection, transaction, taskId, TaskAuditEvents.Pruned, TaskAuditLevel.Info, Payload(new AuditPayload
                {
                    KeepLast = keepLast,
                    DeletedCount = deleted,
                    KeptCheckpointId = resumePoint?.Id,
                }));
            }

            return deleted;
        }, cancellationToken);
    }

    // ---------------------------------------------------------------- database plumbing

    /// <summary>
    /// Runs <paramref name="work"/> in a <c>BEGIN IMMEDIATE</c> transaction and commits it. On a busy or locked error that
    /// outlasted SQLite's and the driver's waiting, the transaction has been rolled back: it is run again from the start,
    /// after a back-off, up to <see cref="CheckpointManagerOptions.MaxBusyRetries"/> times.
    /// </summary>
    private T Write<T>(string doing, Func<CheckpointConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // SQLite admits one writer at a time anyway; queueing this manager's writers here hands the lock on at once,
            // where SQLite's busy handler would sleep 1, 2, 5, 10 ... ms between polls.
            _writeGate.Wait(cancellationToken);
            var connection = _pool.Rent();
            var reusable = false;
            TimeSpan backoff;
            try
            {
                T result;
                // IMMEDIATE takes the write lock up front, so that no read inside the transaction can go stale (and the
                // lock upgrade that SQLite cannot wait for never happens).
                using (var transaction = connection.Connection.BeginTransaction(deferred: false))
                {
                    result = work(connection, transaction);
                    // The durability point: with synchronous=FULL the WAL is fsynced before Commit returns, so the row
                    // survives a power loss; with NORMAL it survives a crash of the process.
                    transaction.Commit();
                }

                reusable = true;
                return result;
            }
            catch (SqliteException ex) when (IsBusy(ex) && attempt < _maxBusyRetries)
            {
                // Disposing the transaction rolled it back, so nothing of this attempt is in the database; the
                // connection is closed anyway and the next attempt starts clean.
                backoff = BusyBackoff(attempt);
            }
            catch (SqliteException ex)
            {
                throw _store.Failure(ex, doing);
            }
            finally
            {
                _pool.Return(connection, reusable);
                _writeGate.Release();
            }

            Thread.Sleep(backoff);
        }
    }

    private (long Sequence, long CreatedAt) WriteWithWorkItem(
        string doing,
        string? workItemId,
        Func<CheckpointConnection, SqliteTransaction, (long, long)> work,
        CancellationToken cancellationToken)
    {
        try
        {
            return Write(doing, work, cancellationToken);
        }
        catch (StoreException ex) when (workItemId is not null && ex.InnerException is SqliteException { SqliteExtendedErrorCode: SqliteConstraintForeignKey })
        {
            throw new ArgumentException($"The work item '{workItemId}' does not exist in '{_store.DatabasePath}'.", nameof(workItemId), ex);
        }
    }

    private T Read<T>(string doing, Func<CheckpointConnection, T> work)
    {
        var connection = _pool.Rent();
        var reusable = false;
        try
        {
            var result = work(connection);
            reusable = true;
            return result;
        }
        catch (SqliteException ex)
        {
            throw _store.Failure(ex, doing);
        }
        finally
        {
            _pool.Return(connection, reusable);
        }
    }

    private TimeSpan BusyBackoff(int attempt)
    {
        var delay = _busyRetryDelay * Math.Pow(2, attempt);
        if (delay > MaxBusyRetryDelay)
        {
            delay = MaxBusyRetryDelay;
        }

        // Jitter: writers that collided once should not wake up together and collide again.
#pragma warning disable CA5394 // Not security-sensitive: spreads retries in time.
        return delay * (0.5 + (Random.Shared.NextDouble() / 2));
#pragma warning restore CA5394
    }

    private static bool IsBusy(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked;

    private static void EnsureTask(CheckpointConnection connection, SqliteTransaction transaction, string taskId, long now, string? title = null)
    {
        var command = connection.Command(CheckpointSql.EnsureTask, transaction);
        command.Set("$task", taskId);
        command.Set("$title", (object?)title ?? DBNull.Value);
        command.Set("$now", now);
        command.ExecuteNonQuery();
    }

    private static long Insert(
        CheckpointConnection connection,
        SqliteTransaction transaction,
        string id,
        string taskId,
        string checkpointType,
        string? workItemId,
        string snapshotJson,
        string evidenceJson,
        string? metadataJson,
        CheckpointStatus status,
        long? verifiedAt,
        string? error,
        long now)
    {
        var command = connection.Command(CheckpointSql.InsertCheckpoint, transaction);
        command.Set("$id", id);
        command.Set("$task", taskId);
        command.Set("$type", checkpointType);
        command.Set("$work_item", (object?)workItemId ?? DBNull.Value);
        command.Set("$snapshot", snapshotJson);
        command.Set("$evidence", evidenceJson);
        command.Set("$metadata", (object?)metadataJson ?? DBNull.Value);
        command.Set("$status", StatusText.Of(status));
        command.Set("$verified_at", (object?)verifiedAt ?? DBNull.Value);
        command.Set("$error", (object?)error ?? DBNull.Value);
        command.Set("$now", now);
        return (long)command.ExecuteScalar()!;
    }

    private long Audit(CheckpointConnection connection, SqliteTransaction transaction, string taskId, string eventType, TaskAuditLevel level, string? payload, long? now = null)
    {
        var command = connection.Command(CheckpointSql.InsertAudit, transaction);
        command.Set("$task", taskId);
        command.Set("$event", eventType);
        command.Set("$level", StatusText.Of(level));
        command.Set("$payload", (object?)payload ?? DBNull.Value);
        command.Set("$now", now ?? Now());
        return (long)command.ExecuteScalar()!;
    }

    private void AuditVerification(CheckpointConnection connection, SqliteTransaction transaction, Checkpoint checkpoint, EvidenceVerificationResult result) =>
        Audit(
            connection,
            transaction,
            checkpoint.TaskId,
            result.IsVerified ? TaskAuditEvents.CheckpointVerified : TaskAuditEvents.CheckpointVerificationFailed,
            result.IsVerified ? TaskAuditLevel.Info : TaskAuditLevel.Error,
            Payload(new AuditPayload
            {
                CheckpointId = checkpoint.Id,
                SequenceNumber = checkpoint.SequenceNumber,
                CheckpointType = checkpoint.Type,
                Status = result.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed,
                Error = result.Error,
                Evidence = AuditPayload.Outcomes(result),
            }));

    private static CheckpointStatus? StatusOf(CheckpointConnection connection, SqliteTransaction transaction, string checkpointId)
    {
        var command = connection.Command(CheckpointSql.StatusOf, transaction);
        command.Set("$id", checkpointId);
        return command.ExecuteScalar() is string text ? StatusText.ParseCheckpoint(text) : null;
    }

    private static Checkpoint? ReadOne(CheckpointConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.Set(name, value);
        }

        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadCheckpoint(reader) : null;
    }

    // Column order: CheckpointSql.Columns.
    private static Checkpoint ReadCheckpoint(SqliteDataReader reader)
    {
        var evidence = JsonSerializer.Deserialize(reader.GetString(7), CheckpointJsonContext.Default.EvidenceArray) ?? [];
        var metadata = reader.IsDBNull(6)
            ? EmptyMetadata
            : JsonSerializer.Deserialize(reader.GetString(6), CheckpointJsonContext.Default.DictionaryStringString)?.AsReadOnly() ?? EmptyMetadata;
        return new Checkpoint(
            id: reader.GetString(0),
            taskId: reader.GetString(1),
            type: reader.GetString(2),
            sequenceNumber: reader.GetInt64(3),
            snapshotJson: reader.GetString(4),
            workItemId: reader.IsDBNull(5) ? null : reader.GetString(5),
            metadata: metadata,
            evidence: new EvidencePack(evidence),
            createdAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            status: StatusText.ParseCheckpoint(reader.GetString(9)),
            verifiedAt: reader.IsDBNull(10) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
            verificationError: reader.IsDBNull(11) ? null : reader.GetString(11));
    }

    // ---------------------------------------------------------------- values

    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>().AsReadOnly();

    private long Now() => Milliseconds(_timeProvider.GetUtcNow());

    private static long Milliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    // Version 7: time-ordered, so ids sort roughly by creation and index inserts stay local.
    private string NewId() => Guid.CreateVersion7(_timeProvider.GetUtcNow()).ToString();

    private static string Payload(AuditPayload payload) => JsonSerializer.Serialize(payload, CheckpointJsonContext.Default.AuditPayload);

    private static string EvidenceJson(EvidencePack evidence) => JsonSerializer.Serialize(evidence.AsArray(), CheckpointJsonContext.Default.EvidenceArray);

    /// <summary>Validates and copies the caller's metadata: the read-only copy the checkpoint keeps, and its JSON (null when empty).</summary>
    private static (IReadOnlyDictionary<string, string> Copy, string? Json) Metadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return (EmptyMetadata, null);
        }

        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            ArgumentException.ThrowIfNullOrEmpty(key, nameof(metadata));
            ArgumentNullException.ThrowIfNull(value, nameof(metadata));
            copy.Add(key, value);
        }

        return (copy.AsReadOnly(), JsonSerializer.Serialize(copy, CheckpointJsonContext.Default.DictionaryStringString));
    }

    private static string SnapshotText(JsonElement snapshot)
    {
        if (snapshot.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The snapshot is an undefined (default) JsonElement; pass the state to resume from, or a JSON null.", nameof(snapshot));
        }

        return snapshot.GetRawText();
    }

    private static string SnapshotText<T>(T snapshot, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return JsonSerializer.Serialize(snapshot, typeInfo);
    }

    private static void ValidateNames(string taskId, string checkpointType, string? workItemId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointType);
        if (workItemId is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(workItemId);
        }
    }
}
