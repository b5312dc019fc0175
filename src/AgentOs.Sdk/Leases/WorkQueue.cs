using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.Leases;

/// <summary>
/// Puts work items into the <c>work_items</c> table of an <see cref="AgentOsStore"/>, where workers lease them with a
/// <see cref="LeaseManager"/>.
/// </summary>
/// <remarks>Thread-safe: every call is one unit of work of the store.</remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: a durable, oldest-first queue of work items in the store.")]
public sealed class WorkQueue
{
    private const string InsertSql = """
        INSERT INTO work_items (work_item_id, task_id, kind, status, payload, max_attempts, created_at_ms, updated_at_ms)
        VALUES (@id, @task, @kind, 'pending', @payload, @max, @now, @now)
        """;

    private readonly AgentOsStore _store;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a queue over <paramref name="store"/>.</summary>
    /// <param name="store">The store that holds the <c>work_items</c> table.</param>
    /// <param name="timeProvider">The clock for the times recorded on each item; default <see cref="TimeProvider.System"/>.</param>
    public WorkQueue(AgentOsStore store, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Enqueues one pending item of <paramref name="kind"/>.</summary>
    /// <param name="kind">What kind of work this is.</param>
    /// <param name="payload">The input as JSON text, or null.</param>
    /// <returns>The stored item.</returns>
    public WorkItem Enqueue(string kind, string? payload = null) => Enqueue(new WorkItemRequest(kind, payload));

    /// <summary>Enqueues one pending item.</summary>
    /// <returns>The stored item.</returns>
    /// <exception cref="ArgumentException">The kind is empty, the payload is not JSON, max attempts is below 1, or the task does not exist.</exception>
    /// <exception cref="InvalidOperationException">An item with the same id already exists.</exception>
    public WorkItem Enqueue(WorkItemRequest request) => EnqueueRange([request])[0];

    /// <summary>Enqueues several pending items in one transaction: all of them are stored, or none.</summary>
    /// <returns>The stored items, in the order given.</returns>
    /// <exception cref="ArgumentException">A request is invalid (named by its index); nothing was stored.</exception>
    /// <exception cref="InvalidOperationException">An item with one of the ids already exists; nothing was stored.</exception>
    public IReadOnlyList<WorkItem> EnqueueRange(IEnumerable<WorkItemRequest> requests)
    {
        var list = ValidateAll(requests);
        return _store.Write("enqueue work items", _timeProvider, tx => InsertAsync(tx, list));
    }

    /// <summary>Enqueues several pending items in one transaction, asynchronously; see <see cref="EnqueueRange"/>.</summary>
    public async Task<IReadOnlyList<WorkItem>> EnqueueRangeAsync(IEnumerable<WorkItemRequest> requests, CancellationToken cancellationToken = default)
    {
        var list = ValidateAll(requests);
        return await _store.WriteAsync("enqueue work items", _timeProvider, tx => InsertAsync(tx, list), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Enqueues one pending item; see <see cref="Enqueue(WorkItemRequest)"/>.</summary>
    public async Task<WorkItem> EnqueueAsync(WorkItemRequest request, CancellationToken cancellationToken = default) =>
        (await EnqueueRangeAsync([request], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Reads the current state of a work item, or null when there is no item with that id.</summary>
    public WorkItem? Find(string workItemId)
    {
        ArgumentException.ThrowIfNullOrEmpty(workItemId);
        return _store.Read($"read work item '{workItemId}'", _timeProvider, tx => WorkItemRows.FindAsync(tx, workItemId));
    }

    /// <summary>Asynchronous <see cref="Find"/>.</summary>
    public async Task<WorkItem?> FindAsync(string workItemId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(workItemId);
        return await _store.ReadAsync($"read work item '{workItemId}'", _timeProvider, tx => WorkItemRows.FindAsync(tx, workItemId), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static List<WorkItemRequest> ValidateAll(IEnumerable<WorkItemRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var list = requests.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            Validate(list[i], i, nameof(requests));
        }

        return list;
    }

    // One transaction: a crash mid-batch leaves no partial batch behind.
    private async ValueTask<IReadOnlyList<WorkItem>> InsertAsync(StoreTransaction tx, List<WorkItemRequest> requests)
    {
        var nowMs = tx.UtcNowMilliseconds;
        var items = new List<WorkItem>(requests.Count);
        var command = tx.Command(InsertSql);
        command.SetParameter("@now", nowMs);
        foreach (var request in requests)
        {
            var itemId = request.Id ?? Guid.CreateVersion7(tx.UtcNow).ToString();
            command.SetParameter("@id", itemId);
            command.SetParameter("@task", request.TaskId);
            command.SetParameter("@kind", request.Kind);
            command.SetParameter("@payload", request.Payload);
            command.SetParameter("@max", request.MaxAttempts);
            try
            {
                await tx.ExecuteAsync(command).ConfigureAwait(false);
            }
            catch (DbException ex) when (_store.Provider.Classify(ex) == StoreErrorKind.UniqueViolation)
            {
                throw new InvalidOperationException($"A work item with id '{itemId}' already exists (database '{_store.Location}'); nothing was enqueued.", ex);
            }
            catch (DbException ex) when (_store.Provider.Classify(ex) == StoreErrorKind.ForeignKeyViolation)
            {
                throw new ArgumentException(
                    $"Work item '{itemId}' names task '{request.TaskId}', which does not exist in the tasks table (database '{_store.Location}'); nothing was enqueued.",
                    nameof(requests),
                    ex);
            }

            items.Add(new WorkItem
            {
                Id = itemId,
                TaskId = request.TaskId,
                Kind = request.Kind,
                Status = WorkItemStatus.Pending,
                Payload = request.Payload,
                MaxAttempts = request.MaxAttempts,
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(nowMs),
                UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(nowMs),
            });
        }

        return items;
    }

    private static void Validate(WorkItemRequest request, int index, string paramName)
    {
        if (request is null)
        {
            throw new ArgumentException($"Work item request #{index} is null.", paramName);
        }

        if (string.IsNullOrWhiteSpace(request.Kind))
        {
            throw new ArgumentException($"Work item request #{index} has an empty kind.", paramName);
        }

        if (request.Id is { } id && string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException($"Work item request #{index} has an empty id; pass null to generate one.", paramName);
        }

        if (request.MaxAttempts < 1)
        {
            throw new ArgumentException($"Work item request #{index} has MaxAttempts {request.MaxAttempts}; it must be at least 1.", paramName);
        }

        if (request.Payload is { } payload)
        {
            try
            {
                using var document = JsonDocument.Parse(payload);
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"The payload of work item request #{index} (kind '{request.Kind}') is not valid JSON: {ex.Message}", paramName, ex);
            }
        }
    }
}
