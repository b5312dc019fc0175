using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Leases;

/// <summary>
/// Puts work items into the <c>work_items</c> table of an <see cref="AgentOsStore"/>, where workers lease them with a
/// <see cref="LeaseManager"/>.
/// </summary>
/// <remarks>Thread-safe: every call uses its own connection.</remarks>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: a durable, oldest-first queue of work items in the store.")]
public sealed class WorkQueue
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 19 | (6 << 8);
    private const int SqliteConstraintForeignKey = 19 | (3 << 8);

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
        ArgumentNullException.ThrowIfNull(requests);
        var list = requests.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            Validate(list[i], i, nameof(requests));
        }

        var now = _timeProvider.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var items = new List<WorkItem>(list.Count);
        using var connection = _store.OpenConnection();
        // One transaction: a crash mid-batch leaves no partial batch behind.
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO work_items (work_item_id, task_id, kind, status, payload, max_attempts, created_at_ms, updated_at_ms)
            VALUES ($id, $task, $kind, 'pending', $payload, $max, $now, $now)
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var task = command.Parameters.Add("$task", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Text);
        var payload = command.Parameters.Add("$payload", SqliteType.Text);
        var max = command.Parameters.Add("$max", SqliteType.Integer);
        command.Parameters.AddWithValue("$now", nowMs);

        foreach (var request in list)
        {
            var itemId = request.Id ?? Guid.CreateVersion7(now).ToString();
            id.Value = itemId;
            task.Value = (object?)request.TaskId ?? DBNull.Value;
            kind.Value = request.Kind;
            payload.Value = (object?)request.Payload ?? DBNull.Value;
            max.Value = request.MaxAttempts;
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteConstraint)
            {
                throw ex.SqliteExtendedErrorCode switch
                {
                    SqliteConstraintPrimaryKey => new InvalidOperationException(
                        $"A work item with id '{itemId}' already exists (database '{_store.DatabasePath}'); nothing was enqueued.", ex),
                    SqliteConstraintForeignKey => new ArgumentException(
                        $"Work item '{itemId}' names task '{request.TaskId}', which does not exist in the tasks table (database '{_store.DatabasePath}'); nothing was enqueued.",
                        nameof(requests),
                        ex),
                    _ => _store.Failure(ex, $"enqueue work item '{itemId}'"),
                };
            }
            catch (SqliteException ex)
            {
                throw _store.Failure(ex, $"enqueue work item '{itemId}'");
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

        transaction.Commit();
        return items;
    }

    /// <summary>Enqueues one pending item; see <see cref="Enqueue(WorkItemRequest)"/>.</summary>
    /// <remarks>SQLite has no asynchronous I/O: like Microsoft.Data.Sqlite's own asynchronous methods, this runs on the calling thread.</remarks>
    public Task<WorkItem> EnqueueAsync(WorkItemRequest request, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<WorkItem>(cancellationToken);
        }

        try
        {
            return Task.FromResult(Enqueue(request));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Task.FromException<WorkItem>(ex);
        }
    }

    /// <summary>Reads the current state of a work item, or null when there is no item with that id.</summary>
    public WorkItem? Find(string workItemId)
    {
        ArgumentException.ThrowIfNullOrEmpty(workItemId);
        using var connection = _store.OpenConnection();
        return WorkItemRows.Find(connection, null, workItemId);
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
