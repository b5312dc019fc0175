using System.Diagnostics;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Storage;

/// <summary>The store's one unit of work: transactions, the one clock, the retry rule, error messages, and no nested writes.</summary>
public sealed class UnitOfWorkTests : IDisposable
{
    private const string InsertTask = "INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES (@id, @now, @now)";
    private const string CountTasks = "SELECT count(*) FROM tasks";

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_write_commits_with_the_clock_read_once_and_a_read_sees_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        using var store = AgentOsStore.Open(_temp.Combine("a.db"));

        var now = store.Write("insert a task", clock, async tx =>
        {
            var command = tx.Command(InsertTask).SetParameter("@id", "t1").SetParameter("@now", tx.UtcNowMilliseconds);
            await tx.ExecuteAsync(command);
            return tx.UtcNowMilliseconds;
        });

        Assert.Equal(1_700_000_000_000, now);
        var stored = store.Read("read the task", clock, async tx =>
            (long)(await tx.ScalarAsync(tx.Command("SELECT created_at_ms FROM tasks WHERE task_id = @id").SetParameter("@id", "t1")))!);
        Assert.Equal(now, stored);
    }

    [Fact]
    public void A_second_write_inside_a_write_is_refused_at_once_and_the_outer_one_rolls_back()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"));
        var watch = Stopwatch.StartNew();

        var error = Assert.Throws<InvalidOperationException>(() => store.Write("outer write", TimeProvider.System, async tx =>
        {
            await tx.ExecuteAsync(tx.Command(InsertTask).SetParameter("@id", "outer").SetParameter("@now", 1L));
            return store.Write("inner write", TimeProvider.System, inner => ValueTask.FromResult(0));
        }));

        // Refused without waiting for the outer transaction's lock (which would take the whole busy timeout, 5 s).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.Contains("inner write", error.Message, StringComparison.Ordinal);
        Assert.Contains("outer write", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Count(store));
    }

    [Fact]
    public async Task A_nested_write_is_refused_across_awaits_too_and_a_write_after_it_succeeds()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.WriteAsync("outer write", TimeProvider.System, async tx =>
        {
            await Task.Yield();
            return await store.WriteAsync("inner write", TimeProvider.System, inner => ValueTask.FromResult(0));
        }));

        await store.WriteAsync("write after", TimeProvider.System, async tx => await tx.ExecuteAsync(tx.Command(InsertTask).SetParameter("@id", "after").SetParameter("@now", 1L)));
        Assert.Equal(1L, Count(store));
    }

    [Fact]
    public void The_works_own_exception_rolls_back_and_propagates_unchanged()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"));

        var error = Assert.Throws<ArithmeticException>(() => store.Write<int>("failing write", TimeProvider.System, async tx =>
        {
            await tx.ExecuteAsync(tx.Command(InsertTask).SetParameter("@id", "t").SetParameter("@now", 1L));
            throw new ArithmeticException("boom");
        }));

        Assert.Equal("boom", error.Message);
        Assert.Equal(0L, Count(store));
    }

    [Fact]
    public void A_database_error_names_the_store_and_what_was_being_done()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"));
        store.Write("first", TimeProvider.System, async tx => await tx.ExecuteAsync(tx.Command(InsertTask).SetParameter("@id", "dup").SetParameter("@now", 1L)));

        var error = Assert.Throws<StoreException>(() =>
            store.Write("insert task 'dup' again", TimeProvider.System, async tx => await tx.ExecuteAsync(tx.Command(InsertTask).SetParameter("@id", "dup").SetParameter("@now", 1L))));

        Assert.Contains("insert task 'dup' again", error.Message, StringComparison.Ordinal);
        Assert.Contains(store.DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(error.InnerException);
    }

    [Fact]
    public async Task A_write_that_finds_the_database_locked_is_retried_until_the_lock_is_released()
    {
        var path = _temp.Combine("a.db");
        using var store = AgentOsStore.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(300), AllowShortBusyTimeout = true });
        using var blocker = new SqliteConnection($"Data Source={path};Pooling=False");
        blocker.Open();
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        // Released after the first attempt has given up (busy timeout 0.3 s, plus the driver's own second of retries).
        var release = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1500));
            using var rollback = blocker.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        });

        await store.WriteAsync("insert while locked", TimeProvider.System, async tx =>
        {
            return await tx.ExecuteAsync(tx.Command(InsertTask).SetParameter("@id", "t").SetParameter("@now", 1L));
        });
        await release;

        Assert.Equal(1L, Count(store));
    }

    private static long Count(AgentOsStore store) =>
        store.Read("count tasks", TimeProvider.System, async tx => (long)(await tx.ScalarAsync(tx.Command(CountTasks)))!);
}
