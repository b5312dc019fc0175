using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Leases;

public abstract class WorkQueueTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private AgentOsStore _store = null!;
    private WorkQueue _queue = null!;

    protected override Task InitializeTestAsync()
    {
        _store = Database.Open();
        _queue = new WorkQueue(_store, _clock);
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public void Enqueue_stores_a_pending_item_with_its_payload_and_limits()
    {
        var item = _queue.Enqueue(new WorkItemRequest("summarise", """{"doc":"a.md"}""") { Id = "item-1", MaxAttempts = 5 });

        var stored = _queue.Find("item-1");

        Assert.Equal(item, stored);
        Assert.Equal(WorkItemStatus.Pending, stored!.Status);
        Assert.Equal("summarise", stored.Kind);
        Assert.Equal("""{"doc":"a.md"}""", stored.Payload);
        Assert.Equal(5, stored.MaxAttempts);
        Assert.Equal(0, stored.Attempts);
        Assert.Equal(0, stored.LeaseEpoch);
        Assert.Equal(_clock.GetUtcNow(), stored.CreatedAt);
    }

    [ConformanceFact]
    public void A_payload_that_is_not_json_is_refused_and_nothing_is_stored()
    {
        var ex = Assert.Throws<ArgumentException>(() => _queue.EnqueueRange(
        [
            new WorkItemRequest("a", """{"ok":1}""") { Id = "good" },
            new WorkItemRequest("a", "{not json") { Id = "bad" },
        ]));

        Assert.Contains("#1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Null(_queue.Find("good"));
    }

    [ConformanceFact]
    public void A_duplicate_id_is_refused_by_name_and_the_batch_is_rolled_back()
    {
        _queue.Enqueue(new WorkItemRequest("a") { Id = "dup" });

        var ex = Assert.Throws<InvalidOperationException>(() => _queue.EnqueueRange(
        [
            new WorkItemRequest("a") { Id = "fresh" },
            new WorkItemRequest("a") { Id = "dup" },
        ]));

        Assert.Contains("'dup'", ex.Message, StringComparison.Ordinal);
        Assert.Null(_queue.Find("fresh"));
    }

    [ConformanceFact]
    public void An_unknown_task_is_refused_by_name()
    {
        var ex = Assert.Throws<ArgumentException>(() => _queue.Enqueue(new WorkItemRequest("a") { TaskId = "no-such-task" }));

        Assert.Contains("'no-such-task'", ex.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public void Invalid_requests_are_refused_before_anything_is_written()
    {
        Assert.Throws<ArgumentException>(() => _queue.Enqueue(new WorkItemRequest(" ")));
        Assert.Throws<ArgumentException>(() => _queue.Enqueue(new WorkItemRequest("a") { MaxAttempts = 0 }));
        Assert.Throws<ArgumentException>(() => _queue.Enqueue(new WorkItemRequest("a") { Id = "" }));
    }

    [ConformanceFact]
    public void Generated_ids_are_unique()
    {
        var items = _queue.EnqueueRange(Enumerable.Range(0, 500).Select(_ => new WorkItemRequest("a")));

        Assert.Equal(500, items.Select(i => i.Id).Distinct().Count());
    }
}

public sealed class WorkQueueTests_Sqlite(SqliteProvider provider) : WorkQueueTests<SqliteProvider>(provider);

public sealed class WorkQueueTests_PostgreSql(PostgreSqlProvider provider) : WorkQueueTests<PostgreSqlProvider>(provider);
