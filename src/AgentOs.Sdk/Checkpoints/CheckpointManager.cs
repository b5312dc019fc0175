using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Providers;
using AgentOs.Sdk.Storage.UnitOfWork;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Records checkpoints of agent tasks in an <see cref="AgentOsStore"/>, verifies their evidence, and finds the point a
/// task resumes from after a crash.
/// </summary>
/// <remarks>
/// <para>
/// <b>Sequence numbers.</b> Each checkpoint gets the next number of its task (1, 2, 3, ...) inside the transaction that
/// inserts it, while that transaction holds the task (SQLite: the write lock on the database, taken by
/// <c>BEGIN IMMEDIATE</c>; PostgreSQL: the task's row, locked with <c>FOR UPDATE</c>), in one
/// <c>INSERT ... VALUES (..., (SELECT MAX(sequence_number) + 1 ...))</c>, backed by <c>UNIQUE(task_id, sequence_number)</c>.
/// Any number of threads, processes and hosts writing one task never get a duplicate or a gap. Numbers are never reused:
/// <see cref="Prune"/> keeps the highest-numbered checkpoint of a task.
/// </para>
/// <para>
/// <b>Busy database.</b> Every operation is one write transaction of the store's unit of work. A writer waits for another's
/// lock (SQLite: the store's busy timeout, 5 s by default; PostgreSQL: the row lock). Should the database still be busy,
/// or the transaction lose a race (a serialization failure, a deadlock, a duplicate sequence number), it is rolled back and
/// run again from the start, up to <see cref="CheckpointManagerOptions.MaxBusyRetries"/> times with an exponential
/// back-off; only then does the call fail, with a <see cref="StoreException"/>. A write is never dropped silently.
/// </para>
/// <para>
/// <b>Evidence</b> is checked before the write transaction starts (it may hash files), never while the write lock is held.
/// A checkpoint is <see cref="CheckpointStatus.Verified"/> only if its pack is not empty and every item held.
/// </para>
/// <para>
/// The manager is thread-safe; share one per store. Its statements run on the store's pooled connections, prepared once
/// per connection. The asynchronous methods run the same code as the synchronous ones, truly asynchronously where the
/// store's driver is (PostgreSQL); on SQLite, whose API is synchronous, they complete on the caller's thread.
/// </para>
/// </remarks>
public sealed partial class CheckpointManager : IDisposable
{
    // Past this many, the set of tasks known to exist starts again: a bounded cache, not a registry.
    private const int MaxKnownTasks = 4096;

    private readonly AgentOsStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly EvidenceChecker _checker;
    private readonly StoreRetryPolicy _retry;
    private readonly bool _auditCreation;
    // Tasks whose row this manager has seen committed: their next checkpoint skips the task INSERT (see HoldTaskAsync).
    private readonly ConcurrentDictionary<string, byte> _knownTasks = new(StringComparer.Ordinal);
    private volatile bool _disposed;

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
        _auditCreation = options.AuditCheckpointCreation;
        // The store's retry rule with the manager's bounds, plus a duplicate sequence number: the constraint's backstop.
        _retry = new StoreRetryPolicy(options.MaxBusyRetries, options.BusyRetryDelay, store.Options.BusyTimeout) { RetriesUniqueViolations = true };
        BaseDirectory = Path.GetFullPath(options.BaseDirectory ?? DefaultBaseDirectory(store));
        _checker = new EvidenceChecker(store, BaseDirectory, _timeProvider, verifiers);
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
        Sync(CreateAsync(taskId, checkpointType, SnapshotText(snapshot), evidence, workItemId, metadata, async: false, CancellationToken.None));

    /// <summary>Serialises <paramref name="snapshot"/> with source-generated metadata and records a checkpoint; see <see cref="CreateCheckpoint(string, string, JsonElement, EvidencePack, string?, IReadOnlyDictionary{string, string}?)"/>.</summary>
    public Checkpoint CreateCheckpoint<T>(
        string taskId,
        string checkpointType,
        T snapshot,
        JsonTypeInfo<T> snapshotTypeInfo,
        EvidencePack evidence,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        Sync(CreateAsync(taskId, checkpointType, SnapshotText(snapshot, snapshotTypeInfo), evidence, workItemId, metadata, async: false, CancellationToken.None));

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
        return CreateAsync(taskId, checkpointType, text, evidence, workItemId, metadata, async: true, cancellationToken).AsTask();
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
        return CreateAsync(taskId, checkpointType, text, evidence, workItemId, metadata, async: true, cancellationToken).AsTask();
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
        Sync(BeginAsync(taskId, checkpointType, workItemId, metadata, async: false, CancellationToken.None));

    /// <summary>Begins a step; see <see cref="BeginStep"/>.</summary>
    public Task<CheckpointStep> BeginStepAsync(
        string taskId,
        string checkpointType,
        string? workItemId = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default) =>
        BeginAsync(taskId, checkpointType, workItemId, metadata, async: true, cancellationToken).AsTask();

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
        Sync(CommitAsync(step, SnapshotText(snapshot), evidence, async: false, CancellationToken.None));

    /// <summary>Serialises <paramref name="snapshot"/> and commits the step; see <see cref="CommitStep(CheckpointStep, JsonElement, EvidencePack)"/>.</summary>
    public Checkpoint CommitStep<T>(CheckpointStep step, T snapshot, JsonTypeInfo<T> snapshotTypeInfo, EvidencePack evidence) =>
        Sync(CommitAsync(step, SnapshotText(snapshot, snapshotTypeInfo), evidence, async: false, CancellationToken.None));

    /// <summary>Commits a step; see <see cref="CommitStep(CheckpointStep, JsonElement, EvidencePack)"/>.</summary>
    public Task<Checkpoint> CommitStepAsync(CheckpointStep step, JsonElement snapshot, EvidencePack evidence, CancellationToken cancellationToken = default)
    {
        var text = SnapshotText(snapshot);
        return CommitAsync(step, text, evidence, async: true, cancellationToken).AsTask();
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
        return CommitAsync(step, text, evidence, async: true, cancellationToken).AsTask();
    }

    /// <summary>
    /// Marks every <see cref="CheckpointStatus.Pending"/> checkpoint of the task failed, with <paramref name="reason"/>, and
    /// audits each. Call it when resuming a task whose previous worker died mid-step, while holding the task's lease:
    /// a step still running elsewhere would fail to commit afterwards.
    /// </summary>
    /// <returns>How many steps were abandoned.</returns>
    public int AbandonPendingSteps(string taskId, string reason) =>
        Sync(AbandonPendingAsync(taskId, reason, async: false, CancellationToken.None));

    /// <summary>Abandons pending steps; see <see cref="AbandonPendingSteps"/>.</summary>
    public Task<int> AbandonPendingStepsAsync(string taskId, string reason, CancellationToken cancellationToken = default) =>
        AbandonPendingAsync(taskId, reason, async: true, cancellationToken).AsTask();

    // ---------------------------------------------------------------- verification and resume

    /// <summary>Checks <paramref name="evidence"/> without recording anything (what a checkpoint with it would get).</summary>
    public EvidenceVerificationResult VerifyEvidence(EvidencePack evidence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        return Sync(_checker.VerifyAsync(evidence, async: false, cancellationToken));
    }

    /// <summary>
    /// Re-runs the evidence of a committed checkpoint and records the outcome: <see cref="CheckpointStatus.Verified"/> or
    /// <see cref="CheckpointStatus.Failed"/> with the error, the time checked, and a <c>checkpoint_verified</c> or
    /// <c>checkpoint_verification_failed</c> audit listing each item's outcome. A failed checkpoint whose evidence holds
    /// again (a restored artifact) becomes verified.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No checkpoint has this id.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint is a pending step, or was superseded by a rollback.</exception>
    public EvidenceVerificationResult VerifyCheckpoint(string checkpointId) => Sync(VerifyAsync(checkpointId, async: false, CancellationToken.None));

    /// <summary>Re-runs a checkpoint's evidence; see <see cref="VerifyCheckpoint"/>.</summary>
    public Task<EvidenceVerificationResult> VerifyCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default) =>
        VerifyAsync(checkpointId, async: true, cancellationToken).AsTask();

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
    public Checkpoint? GetLastVerifiedCheckpoint(string taskId) => Sync(LastVerifiedAsync(taskId, async: false, CancellationToken.None));

    /// <summary>Finds the resume point; see <see cref="GetLastVerifiedCheckpoint"/>.</summary>
    public Task<Checkpoint?> GetLastVerifiedCheckpointAsync(string taskId, CancellationToken cancellationToken = default) =>
        LastVerifiedAsync(taskId, async: true, cancellationToken).AsTask();

    /// <summary>The checkpoint with this id as stored (its evidence is not re-checked), or null.</summary>
    public Checkpoint? GetCheckpoint(string checkpointId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointId);
        return Sync(ReadByIdAsync(checkpointId, async: false, CancellationToken.None));
    }

    /// <summary>Reads a checkpoint; see <see cref="GetCheckpoint"/>.</summary>
    public Task<Checkpoint?> GetCheckpointAsync(string checkpointId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointId);
        return ReadByIdAsync(checkpointId, async: true, cancellationToken).AsTask();
    }

    /// <summary>The task's checkpoints as stored, in sequence order, optionally only those with <paramref name="status"/>.</summary>
    public IReadOnlyList<Checkpoint> ListCheckpoints(string taskId, CheckpointStatus? status = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return Sync(ListAsync(taskId, status, async: false, CancellationToken.None));
    }

    /// <summary>Lists the task's checkpoints; see <see cref="ListCheckpoints"/>.</summary>
    public Task<IReadOnlyList<Checkpoint>> ListCheckpointsAsync(string taskId, CheckpointStatus? status = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return ListAsync(taskId, status, async: true, cancellationToken).AsTask();
    }

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
    public CheckpointRollbackResult RollbackTo(string taskId, long sequenceNumber) => Sync(RollbackAsync(taskId, sequenceNumber, async: false, CancellationToken.None));

    /// <summary>Rolls back; see <see cref="RollbackTo"/>.</summary>
    public Task<CheckpointRollbackResult> RollbackToAsync(string taskId, long sequenceNumber, CancellationToken cancellationToken = default) =>
        RollbackAsync(taskId, sequenceNumber, async: true, cancellationToken).AsTask();

    /// <summary>
    /// Deletes the task's old checkpoints, keeping the newest <paramref name="keepLast"/> that a rollback has not superseded.
    /// It never deletes the resume point: it first finds it as <see cref="GetLastVerifiedCheckpoint"/> does (re-checking
    /// evidence), and also keeps the newest checkpoint flagged verified, pending steps, and the highest-numbered checkpoint
    /// (so that sequence numbers are never reused). Superseded checkpoints outside the window are deleted.
    /// </summary>
    /// <returns>How many checkpoints were deleted (a <c>pruned</c> audit records it when any were).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="keepLast"/> is less than 1.</exception>
    public int Prune(string taskId, int keepLast) => Sync(PruneCoreAsync(taskId, keepLast, async: false, CancellationToken.None));

    /// <summary>Prunes old checkpoints; see <see cref="Prune"/>.</summary>
    public Task<int> PruneAsync(string taskId, int keepLast, CancellationToken cancellationToken = default) =>
        PruneCoreAsync(taskId, keepLast, async: true, cancellationToken).AsTask();

    /// <summary>Stops the manager: later calls throw <see cref="ObjectDisposedException"/>. The connections belong to the store.</summary>
    public void Dispose() => _disposed = true;

    // ---------------------------------------------------------------- implementation

    internal void Abandon(CheckpointStep step) => Sync(AbandonAsync(step, async: false));

    /// <summary>Marks a step that was disposed without being committed failed; never throws (it runs from Dispose).</summary>
    internal async ValueTask<int> AbandonAsync(CheckpointStep step, bool async)
    {
        try
        {
            return await WriteAsync("abandon a step", async, async tx =>
            {
                var update = tx.Command(CheckpointSql.AbandonStep);
                update.SetParameter("@id", step.CheckpointId);
                update.SetParameter("@error", "The step was abandoned before it was committed");
                if (await tx.ExecuteAsync(update).ConfigureAwait(false) == 1)
                {
                    await AuditAsync(tx, step.TaskId, TaskAuditEvents.StepAbandoned, TaskAuditLevel.Warning, Payload(new AuditPayload
                    {
                        CheckpointId = step.CheckpointId,
                        SequenceNumber = step.SequenceNumber,
                        CheckpointType = step.Type,
                        Status = CheckpointStatus.Failed,
                        Error = "disposed without commit",
                    })).ConfigureAwait(false);
                    return 1;
                }

                return 0;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreException)
        {
            // Dispose must not throw; the row stays pending, which is just as safe: it is never a resume point.
            return 0;
        }
        catch (ObjectDisposedException)
        {
            // The manager or the store was disposed first; the row stays pending.
            return 0;
        }
    }

    private async ValueTask<Checkpoint> CreateCoreAsync(
        string taskId,
        string checkpointType,
        string snapshotJson,
        EvidencePack evidence,
        string? workItemId,
        IReadOnlyDictionary<string, string>? metadata,
        bool async,
        CancellationToken cancellationToken)
    {
        ValidateNames(taskId, checkpointType, workItemId);
        ArgumentNullException.ThrowIfNull(evidence);
        var (metadataCopy, metadataJson) = Metadata(metadata);
        var evidenceJson = EvidenceJson(evidence);

        // Evidence first, outside the write transaction: it may hash files or query the database.
        var verification = await _checker.VerifyAsync(evidence, async, cancellationToken).ConfigureAwait(false);
        var status = verification.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed;
        var verifiedAt = Milliseconds(verification.CheckedAt);
        var id = NewId();

        // Without the audit row, the numbered INSERT (with the task's lock) is the whole write: one batch.
        var (sequence, createdAt) = await WriteToTaskAsync("create a checkpoint", taskId, workItemId, async, batch: !_auditCreation, async (tx, known) =>
        {
            var (sequence, now) = await InsertAsync(tx, known, id, taskId, checkpointType, workItemId, snapshotJson, evidenceJson, metadataJson, status, verifiedAt, verification.Error).ConfigureAwait(false);
            if (_auditCreation)
            {
                await AuditAsync(tx, taskId, TaskAuditEvents.CheckpointCreated, status == CheckpointStatus.Verified ? TaskAuditLevel.Info : TaskAuditLevel.Warning, Payload(new AuditPayload
                {
                    CheckpointId = id,
                    SequenceNumber = sequence,
                    CheckpointType = checkpointType,
                    Status = status,
                    Error = verification.Error,
                })).ConfigureAwait(false);
            }

            return (sequence, now);
        }, cancellationToken).ConfigureAwait(false);

        return new Checkpoint(
            id, taskId, checkpointType, sequence, snapshotJson, workItemId, metadataCopy, evidence,
            DateTimeOffset.FromUnixTimeMilliseconds(createdAt), status, DateTimeOffset.FromUnixTimeMilliseconds(verifiedAt), verification.Error);
    }

    private async ValueTask<CheckpointStep> BeginAsync(
        string taskId,
        string checkpointType,
        string? workItemId,
        IReadOnlyDictionary<string, string>? metadata,
        bool async,
        CancellationToken cancellationToken)
    {
        ValidateNames(taskId, checkpointType, workItemId);
        var (metadataCopy, metadataJson) = Metadata(metadata);
        var id = NewId();

        var (sequence, startedAt) = await WriteToTaskAsync("begin a step", taskId, workItemId, async, batch: false, async (tx, known) =>
        {
            // A pending row with no snapshot and no evidence: the visible trace of a step in progress (or of a crash in it).
            var (sequence, now) = await InsertAsync(tx, known, id, taskId, checkpointType, workItemId, "null", "[]", metadataJson, CheckpointStatus.Pending, null, null).ConfigureAwait(false);
            await AuditAsync(tx, taskId, TaskAuditEvents.StepBegun, TaskAuditLevel.Info, Payload(new AuditPayload
            {
                CheckpointId = id,
                SequenceNumber = sequence,
                CheckpointType = checkpointType,
                Status = CheckpointStatus.Pending,
            })).ConfigureAwait(false);
            return (sequence, now);
        }, cancellationToken).ConfigureAwait(false);

        return new CheckpointStep(this, id, taskId, checkpointType, sequence, workItemId, metadataCopy, DateTimeOffset.FromUnixTimeMilliseconds(startedAt));
    }

    private async ValueTask<Checkpoint> CommitCoreAsync(CheckpointStep step, string snapshotJson, EvidencePack evidence, bool async, CancellationToken cancellationToken)
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
            var verification = await _checker.VerifyAsync(evidence, async, cancellationToken).ConfigureAwait(false);
            var status = verification.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed;
            var verifiedAt = Milliseconds(verification.CheckedAt);

            var outcome = await WriteAsync("commit a step", async, async tx =>
            {
                var update = tx.Command(CheckpointSql.CommitStep);
                update.SetParameter("@id", step.CheckpointId);
                update.SetParameter("@snapshot", snapshotJson);
                update.SetParameter("@evidence", evidenceJson);
                update.SetParameter("@status", StatusText.Of(status));
                update.SetParameter("@verified_at", verifiedAt);
                update.SetParameter("@error", verification.Error);
                if (await tx.ExecuteAsync(update).ConfigureAwait(false) != 1)
                {
                    return await StatusOfAsync(tx, CheckpointSql.StatusOf, step.CheckpointId).ConfigureAwait(false);
                }

                await AuditAsync(tx, step.TaskId, TaskAuditEvents.CheckpointCommitted, status == CheckpointStatus.Verified ? TaskAuditLevel.Info : TaskAuditLevel.Warning, Payload(new AuditPayload
                {
                    CheckpointId = step.CheckpointId,
                    SequenceNumber = step.SequenceNumber,
                    CheckpointType = step.Type,
                    Status = status,
                    Error = verification.Error,
                })).ConfigureAwait(false);
                return (CheckpointStatus?)CheckpointStatus.Pending;
            }, cancellationToken).ConfigureAwait(false);

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

    private async ValueTask<int> AbandonPendingAsync(string taskId, string reason, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return await WriteAsync("abandon pending steps", async, async tx =>
        {
            // A step of this task being begun elsewhere either commits first (and is abandoned here) or waits.
            await LockTaskAsync(tx, taskId).ConfigureAwait(false);
            var update = tx.Command(CheckpointSql.AbandonPendingSteps);
            update.SetParameter("@task", taskId);
            update.SetParameter("@error", "The step was abandoned: " + reason);
            var abandoned = new List<(string Id, long Sequence, string Type)>();
            var reader = await tx.ReaderAsync(update).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await tx.ReadAsync(reader).ConfigureAwait(false))
                {
                    abandoned.Add((reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
                }
            }

            // RETURNING gives no order: audit in sequence order, as the steps were begun.
            abandoned.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var (id, sequence, type) in abandoned)
            {
                await AuditAsync(tx, taskId, TaskAuditEvents.StepAbandoned, TaskAuditLevel.Warning, Payload(new AuditPayload
                {
                    CheckpointId = id,
                    SequenceNumber = sequence,
                    CheckpointType = type,
                    Status = CheckpointStatus.Failed,
                    Error = reason,
                })).ConfigureAwait(false);
            }

            return abandoned.Count;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<EvidenceVerificationResult> VerifyCoreAsync(string checkpointId, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointId);
        var checkpoint = await ReadByIdAsync(checkpointId, async, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"No checkpoint has the id '{checkpointId}' in '{_store.Location}'.");
        if (checkpoint.Status is CheckpointStatus.Pending or CheckpointStatus.Superseded)
        {
            throw new InvalidOperationException(
                checkpoint.Status == CheckpointStatus.Pending
                    ? $"Checkpoint {checkpoint} is a step that was begun and not committed: commit it, or abandon it, before verifying it."
                    : $"Checkpoint {checkpoint} was superseded by a rollback and is never verified again.");
        }

        var result = await _checker.VerifyAsync(checkpoint.Evidence, async, cancellationToken).ConfigureAwait(false);
        var changed = await WriteAsync("record a verification", async, async tx =>
        {
            var status = result.IsVerified ? CheckpointStatus.Verified : CheckpointStatus.Failed;
            var update = tx.Command(CheckpointSql.RecordVerification);
            update.SetParameter("@id", checkpoint.Id);
            update.SetParameter("@status", StatusText.Of(status));
            update.SetParameter("@verified_at", Milliseconds(result.CheckedAt));
            update.SetParameter("@error", result.Error);
            if (await tx.ExecuteAsync(update).ConfigureAwait(false) != 1)
            {
                return await StatusOfAsync(tx, CheckpointSql.StatusOf, checkpoint.Id).ConfigureAwait(false);
            }

            await AuditVerificationAsync(tx, checkpoint, result).ConfigureAwait(false);
            return (CheckpointStatus?)status;
        }, cancellationToken).ConfigureAwait(false);

        if (changed is not (CheckpointStatus.Verified or CheckpointStatus.Failed))
        {
            throw new InvalidOperationException(
                $"Checkpoint {checkpoint} changed to {changed?.ToString() ?? "deleted"} while its evidence was being checked; the result was not recorded.");
        }

        return result;
    }

    private async ValueTask<Checkpoint?> LastVerifiedAsync(string taskId, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = await ReadAsync("find the last verified checkpoint", async, tx => ReadOneAsync(tx, CheckpointSql.SelectLastVerified, ("@task", taskId)), cancellationToken).ConfigureAwait(false);
            if (candidate is null)
            {
                return null;
            }

            var result = await _checker.VerifyAsync(candidate.Evidence, async, cancellationToken).ConfigureAwait(false);
            if (result.IsVerified)
            {
                return candidate;
            }

            // The flag said verified, the evidence says no: record it, so that the next query skips this one.
            await MarkFailedAsync(candidate, result, async, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask<int> MarkFailedCoreAsync(Checkpoint checkpoint, EvidenceVerificationResult result, bool async, CancellationToken cancellationToken) =>
        WriteAsync("record a failed re-check", async, async tx =>
        {
            var update = tx.Command(CheckpointSql.MarkVerifiedAsFailed);
            update.SetParameter("@id", checkpoint.Id);
            update.SetParameter("@verified_at", Milliseconds(result.CheckedAt));
            update.SetParameter("@error", result.Error!);
            if (await tx.ExecuteAsync(update).ConfigureAwait(false) == 1)
            {
                await AuditVerificationAsync(tx, checkpoint, result).ConfigureAwait(false);
                return 1;
            }

            return 0;
        }, cancellationToken);

    private async ValueTask<CheckpointRollbackResult> RollbackAsync(string taskId, long sequenceNumber, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        var target = await ReadAsync("read a checkpoint", async, tx => ReadOneAsync(tx, CheckpointSql.SelectBySequence, ("@task", taskId), ("@sequence", sequenceNumber)), cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentOutOfRangeException(nameof(sequenceNumber), sequenceNumber, $"Task '{taskId}' has no checkpoint #{sequenceNumber}.");
        if (target.Status != CheckpointStatus.Verified)
        {
            throw new InvalidOperationException(
                $"Cannot roll back to {target}: only a verified checkpoint can be a resume point{(target.VerificationError is { } error ? " (" + error + ")" : string.Empty)}.");
        }

        var result = await _checker.VerifyAsync(target.Evidence, async, cancellationToken).ConfigureAwait(false);
        if (!result.IsVerified)
        {
            await MarkFailedAsync(target, result, async, cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"Cannot roll back to {target}: its evidence no longer holds: {result.Error}");
        }

        var superseded = await WriteAsync("roll back", async, async tx =>
        {
            // New checkpoints of the task wait for the rollback: none is numbered in between and left un-superseded.
            await LockTaskAsync(tx, taskId).ConfigureAwait(false);
            // Re-read inside the write transaction, locked: another writer may have changed the target since it was checked.
            var status = await StatusOfAsync(tx, CheckpointSql.StatusOfLocked, target.Id).ConfigureAwait(false);
            if (status != CheckpointStatus.Verified)
            {
                throw new InvalidOperationException($"Cannot roll back to {target}: it became {status?.ToString() ?? "deleted"} meanwhile.");
            }

            var update = tx.Command(CheckpointSql.SupersedeAfter);
            update.SetParameter("@task", taskId);
            update.SetParameter("@sequence", sequenceNumber);
            var count = await tx.ExecuteAsync(update).ConfigureAwait(false);
            await AuditAsync(tx, taskId, TaskAuditEvents.RolledBack, TaskAuditLevel.Warning, Payload(new AuditPayload
            {
                CheckpointId = target.Id,
                SequenceNumber = target.SequenceNumber,
                CheckpointType = target.Type,
                SupersededCount = count,
            })).ConfigureAwait(false);
            return count;
        }, cancellationToken).ConfigureAwait(false);

        return new CheckpointRollbackResult(target, superseded);
    }

    private async ValueTask<int> PruneCoreAsync(string taskId, int keepLast, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);

        // The real resume point, evidence re-checked: the newest flag alone may point at a checkpoint whose artifacts are gone.
        var resumePoint = await LastVerifiedAsync(taskId, async, cancellationToken).ConfigureAwait(false);
        return await WriteAsync("prune checkpoints", async, async tx =>
        {
            // The highest number must not be deleted from under a checkpoint being numbered after it.
            await LockTaskAsync(tx, taskId).ConfigureAwait(false);
            var delete = tx.Command(CheckpointSql.Prune);
            delete.SetParameter("@task", taskId);
            delete.SetParameter("@keep_id", resumePoint?.Id);
            delete.SetParameter("@keep_last", keepLast);
            var deleted = await tx.ExecuteAsync(delete).ConfigureAwait(false);
            if (deleted > 0)
            {
                await AuditAsync(tx, taskId, TaskAuditEvents.Pruned, TaskAuditLevel.Info, Payload(new AuditPayload
                {
                    KeepLast = keepLast,
                    DeletedCount = deleted,
                    KeptCheckpointId = resumePoint?.Id,
                })).ConfigureAwait(false);
            }

            return deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<Checkpoint?> ReadByIdAsync(string checkpointId, bool async, CancellationToken cancellationToken) =>
        ReadAsync("read a checkpoint", async, tx => ReadOneAsync(tx, CheckpointSql.SelectById, ("@id", checkpointId)), cancellationToken);

    private ValueTask<IReadOnlyList<Checkpoint>> ListAsync(string taskId, CheckpointStatus? status, bool async, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<Checkpoint>>("list checkpoints", async, async tx =>
        {
            var command = tx.Command(status is null ? CheckpointSql.SelectByTask : CheckpointSql.SelectByTaskAndStatus);
            command.SetParameter("@task", taskId);
            if (status is { } wanted)
            {
                command.SetParameter("@status", StatusText.Of(wanted));
            }

            var list = new List<Checkpoint>();
            var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await tx.ReadAsync(reader).ConfigureAwait(false))
                {
                    list.Add(ReadCheckpoint(reader));
                }
            }

            return list;
        }, cancellationToken);

    // ---------------------------------------------------------------- database plumbing

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction of the store's unit of work, under the manager's retry policy
    /// (busy, serialization failures, deadlocks and duplicate sequence numbers roll it back and run it again).
    /// </summary>
    private ValueTask<T> WriteAsync<T>(string doing, bool async, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken) =>
        WriteAsync(doing, async, statementClock: false, work, cancellationToken);

    /// <summary><see cref="WriteAsync{T}(string, bool, Func{StoreTransaction, ValueTask{T}}, CancellationToken)"/>, choosing how "now" is read (see <see cref="AgentOsStore"/>'s unit of work).</summary>
    private ValueTask<T> WriteAsync<T>(string doing, bool async, bool statementClock, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return async
            ? _store.WriteAsync(doing, _timeProvider, statementClock, work, _retry, cancellationToken)
            : ValueTask.FromResult(_store.Write(doing, _timeProvider, statementClock, work, _retry, cancellationToken));
    }

    /// <summary>A write that is one batch of statements (see <see cref="AgentOsStore"/>'s batch writes): one round trip on a server.</summary>
    private ValueTask<T> WriteBatchAsync<T>(string doing, bool async, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return async
            ? _store.WriteBatchAsync(doing, _timeProvider, work, _retry, cancellationToken)
            : ValueTask.FromResult(_store.WriteBatch(doing, _timeProvider, work, _retry, cancellationToken));
    }

    private ValueTask<T> ReadAsync<T>(string doing, bool async, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return async
            ? _store.ReadAsync(doing, _timeProvider, work, cancellationToken: cancellationToken)
            : ValueTask.FromResult(_store.Read(doing, _timeProvider, work, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// A write that adds rows to a task (a checkpoint, a step, an audit): it holds the task first (see
    /// <see cref="HoldTaskAsync"/>), creating its row if needed. A work item that does not exist becomes an
    /// <see cref="ArgumentException"/> naming it.
    /// </summary>
    private ValueTask<T> WriteToTaskAsync<T>(string doing, string taskId, string? workItemId, bool async, Func<StoreTransaction, ValueTask<T>> work, CancellationToken cancellationToken) =>
        WriteToTaskCoreAsync(doing, taskId, workItemId, async, async (tx, known) =>
        {
            await HoldTaskAsync(tx, taskId, known).ConfigureAwait(false);
            return await work(tx).ConfigureAwait(false);
        }, statementClock: false, batch: false, cancellationToken);

    /// <summary>
    /// A write that inserts a checkpoint and holds the task itself, in the same round trip (<see cref="InsertAsync"/>, told
    /// whether this manager has written the task before). Its statements read "now" themselves, so on a server store the
    /// unit of work makes no separate clock read: the times come back from <c>RETURNING</c>. When that INSERT is the whole
    /// write (<paramref name="batch"/>: no audit row after it), a server commits it without BEGIN and COMMIT: one round trip.
    /// </summary>
    private ValueTask<T> WriteToTaskAsync<T>(string doing, string taskId, string? workItemId, bool async, bool batch, Func<StoreTransaction, bool, ValueTask<T>> work, CancellationToken cancellationToken) =>
        WriteToTaskCoreAsync(doing, taskId, workItemId, async, work, statementClock: true, batch, cancellationToken);

    private async ValueTask<T> WriteToTaskCoreAsync<T>(
        string doing, string taskId, string? workItemId, bool async, Func<StoreTransaction, bool, ValueTask<T>> work, bool statementClock, bool batch, CancellationToken cancellationToken)
    {
        var known = _knownTasks.ContainsKey(taskId);
        while (true)
        {
            try
            {
                var result = batch
                    ? await WriteBatchAsync(doing, async, tx => work(tx, known), cancellationToken).ConfigureAwait(false)
                    : await WriteAsync(doing, async, statementClock, tx => work(tx, known), cancellationToken).ConfigureAwait(false);
                RememberTask(taskId);
                return result;
            }
            catch (StoreException ex) when (ex.InnerException is DbException inner && _store.Provider.Classify(inner) == StoreErrorKind.ForeignKeyViolation)
            {
                if (known)
                {
                    // The task row this manager wrote is gone (deleted by someone else): run it again, creating the row.
                    _knownTasks.TryRemove(taskId, out _);
                    known = false;
                    continue;
                }

                if (workItemId is not null)
                {
                    throw new ArgumentException($"The work item '{workItemId}' does not exist in '{_store.Location}'.", nameof(workItemId), ex);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Makes the transaction the only writer numbering <paramref name="taskId"/>'s checkpoints, creating the task row if it
    /// does not exist. SQLite: the write transaction already holds the database, so only the INSERT is needed, and it is
    /// skipped for a task this manager has written before (one statement less on the hot path; if the row was deleted
    /// since, the foreign key refuses the checkpoint and <see cref="WriteToTaskCoreAsync"/> runs it again with the INSERT).
    /// PostgreSQL: the task row is locked (<c>FOR UPDATE</c>); a row this transaction just inserted is its own already.
    /// </summary>
    private static async ValueTask HoldTaskAsync(StoreTransaction tx, string taskId, bool known)
    {
        var serialized = tx.Store.Provider.SingleWriter;
        if (known && (serialized || await LockTaskAsync(tx, taskId).ConfigureAwait(false)))
        {
            return;
        }

        var created = await EnsureTaskAsync(tx, taskId, title: null).ConfigureAwait(false);
        if (!created && !serialized)
        {
            await LockTaskAsync(tx, taskId).ConfigureAwait(false);
        }
    }

    /// <summary>Locks the task's row where writers run side by side; true if the row exists.</summary>
    private static async ValueTask<bool> LockTaskAsync(StoreTransaction tx, string taskId)
    {
        if (tx.Store.Provider.SingleWriter)
        {
            // The write transaction holds the whole database: nothing to lock.
            return true;
        }

        var command = tx.Command(CheckpointSql.LockTask);
        command.SetParameter("@task", taskId);
        return await tx.ScalarAsync(command).ConfigureAwait(false) is not null and not DBNull;
    }

    private static async ValueTask<bool> EnsureTaskAsync(StoreTransaction tx, string taskId, string? title)
    {
        var command = tx.Command(CheckpointSql.EnsureTask);
        command.SetParameter("@task", taskId);
        command.SetParameter("@title", title);
        tx.SetNow(command);
        return await tx.ExecuteAsync(command).ConfigureAwait(false) == 1;
    }

    private void RememberTask(string taskId)
    {
        if (_knownTasks.Count >= MaxKnownTasks)
        {
            _knownTasks.Clear();
        }

        _knownTasks.TryAdd(taskId, 0);
    }

    /// <summary>
    /// Inserts a checkpoint with the task's next sequence number while holding the task (see <see cref="HoldTaskAsync"/>):
    /// SQLite, the INSERT alone, after the task's row for a task this manager has not written; PostgreSQL, the row lock (and
    /// the row) and the INSERT sent together. Returns the number and the time written.
    /// </summary>
    private static async ValueTask<(long Sequence, long CreatedAt)> InsertAsync(
        StoreTransaction tx,
        bool known,
        string id,
        string taskId,
        string checkpointType,
        string? workItemId,
        string snapshotJson,
        string evidenceJson,
        string? metadataJson,
        CheckpointStatus status,
        long? verifiedAt,
        string? error)
    {
        var serialized = tx.Store.Provider.SingleWriter;
        if (serialized && !known)
        {
            await EnsureTaskAsync(tx, taskId, title: null).ConfigureAwait(false);
        }

        var command = tx.Command(
            serialized ? CheckpointSql.InsertCheckpoint
            : known ? CheckpointSql.LockTaskThenInsertCheckpoint
            : CheckpointSql.EnsureAndLockTaskThenInsertCheckpoint);
        if (!serialized && !known)
        {
            command.SetParameter("@title", null);
        }

        command.SetParameter("@id", id);
        command.SetParameter("@task", taskId);
        command.SetParameter("@type", checkpointType);
        command.SetParameter("@work_item", workItemId);
        command.SetParameter("@snapshot", snapshotJson);
        command.SetParameter("@evidence", evidenceJson);
        command.SetParameter("@metadata", metadataJson);
        command.SetParameter("@status", StatusText.Of(status));
        command.SetParameter("@verified_at", verifiedAt);
        command.SetParameter("@error", error);
        tx.SetNow(command);
        var reader = serialized
            ? await tx.ReaderAsync(command).ConfigureAwait(false)
            : await tx.LastResultAsync(command, leadingResults: 1).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await tx.ReadAsync(reader).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The checkpoint INSERT of task '{taskId}' returned no row on '{tx.Store.Location}'.");
            }

            return (reader.GetInt64(0), reader.GetInt64(1));
        }
    }

    private static async ValueTask<long> AuditAsync(StoreTransaction tx, string taskId, string eventType, TaskAuditLevel level, string? payload)
    {
        var command = tx.Command(CheckpointSql.InsertAudit);
        command.SetParameter("@task", taskId);
        command.SetParameter("@event", eventType);
        command.SetParameter("@level", StatusText.Of(level));
        command.SetParameter("@payload", payload);
        tx.SetNow(command);
        return Convert.ToInt64(await tx.ScalarAsync(command).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static ValueTask<long> AuditVerificationAsync(StoreTransaction tx, Checkpoint checkpoint, EvidenceVerificationResult result) =>
        AuditAsync(
            tx,
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

    private static async ValueTask<CheckpointStatus?> StatusOfAsync(StoreTransaction tx, string sql, string checkpointId)
    {
        var command = tx.Command(sql);
        command.SetParameter("@id", checkpointId);
        return await tx.ScalarAsync(command).ConfigureAwait(false) is string text ? StatusText.ParseCheckpoint(text) : null;
    }

    private static async ValueTask<Checkpoint?> ReadOneAsync(StoreTransaction tx, string sql, params (string Name, object Value)[] parameters)
    {
        var command = tx.Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.SetParameter(name, value);
        }

        var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await tx.ReadAsync(reader).ConfigureAwait(false) ? ReadCheckpoint(reader) : null;
        }
    }

    // Column order: CheckpointSql.Columns.
    private static Checkpoint ReadCheckpoint(DbDataReader reader)
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

    private static T Sync<T>(ValueTask<T> pending) => AgentOsStore.Synchronously(pending);

    // Relative artifact paths resolve beside a SQLite file; a server store has no folder, so the working directory.
    private static string DefaultBaseDirectory(AgentOsStore store) =>
        store.Provider is Storage.Sqlite.SqliteStoreProvider sqlite
            ? Path.GetDirectoryName(sqlite.DatabasePath)!
            : Directory.GetCurrentDirectory();

    // ---------------------------------------------------------------- values

    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata = new Dictionary<string, string>().AsReadOnly();

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
