using System.Collections.Concurrent;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using static AgentOs.Sdk.Tests.Checkpoints.CheckpointTestContext;

namespace AgentOs.Sdk.Tests.Checkpoints;

public abstract class ConcurrentCommitTests<TProvider>(TProvider provider) : CheckpointConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    protected override void ConfigureStore(StoreOptions options) => options.Synchronous = SynchronousMode.Normal;

    /// <summary>Runs <paramref name="work"/> on <paramref name="threads"/> dedicated threads released together by a barrier.</summary>
    private static List<Exception> RunTogether(int threads, Action<int> work)
    {
        using var start = new Barrier(threads);
        var errors = new ConcurrentBag<Exception>();
        // Dedicated threads, not the thread pool: on 2 cores the pool would start them one by one and they would not overlap.
        var all = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                work(i);
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        })).ToList();
        all.ForEach(t => t.Start());
        all.ForEach(t => t.Join());
        return [.. errors];
    }

    private static void AssertOneToN(IReadOnlyList<Checkpoint> checkpoints, int expected)
    {
        // No duplicate and no gap: exactly 1..N. (The peer gave 8 concurrent commits the same number.)
        Assert.Equal(expected, checkpoints.Count);
        Assert.Equal(Enumerable.Range(1, expected).Select(n => (long)n), checkpoints.Select(c => c.SequenceNumber));
        Assert.Equal(expected, checkpoints.Select(c => c.Id).Distinct().Count());
    }

    [ConformanceFact]
    public void Sixteen_threads_committing_to_one_task_through_one_manager_get_1_to_N()
    {
        const int Threads = 16, PerThread = 20;
        var numbers = new ConcurrentBag<long>();

        var errors = RunTogether(Threads, thread =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                numbers.Add(Context.Manager.CreateCheckpoint("task", "step", Json($$"""{"thread":{{thread}},"i":{{i}}}"""), Passing()).SequenceNumber);
            }
        });

        Assert.Empty(errors);
        Assert.Equal(Enumerable.Range(1, Threads * PerThread).Select(n => (long)n), numbers.Order());
        AssertOneToN(Context.Manager.ListCheckpoints("task"), Threads * PerThread);
    }

    [ConformanceFact]
    public void Eight_writers_with_their_own_stores_and_managers_like_separate_processes_get_1_to_N()
    {
        const int Writers = 8, PerWriter = 15;

        var errors = RunTogether(Writers, writer =>
        {
            // Pooling off and a store per writer: nothing is shared in-process except the database, as between processes.
            var store = Database.Open(options =>
            {
                options.Pooling = false;
                options.Synchronous = SynchronousMode.Normal;
            });
            using var manager = new CheckpointManager(store, new CheckpointManagerOptions { AuditCheckpointCreation = true });
            for (var i = 0; i < PerWriter; i++)
            {
                if (i % 3 == 0)
                {
                    using var step = manager.BeginStep("task", "step");
                    manager.CommitStep(step, Json("{}"), Passing());
                }
                else
                {
                    manager.CreateCheckpoint("task", "step", Json("{}"), Passing());
                }
            }
        });

        Assert.Empty(errors);
        var checkpoints = Context.Manager.ListCheckpoints("task");
        AssertOneToN(checkpoints, Writers * PerWriter);
        Assert.All(checkpoints, c => Assert.Equal(CheckpointStatus.Verified, c.Status));
        Assert.Equal(Writers * PerWriter, Context.Manager.ListAudits("task", 1000).Count(a => a.EventType is TaskAuditEvents.CheckpointCreated or TaskAuditEvents.CheckpointCommitted));
    }

    [ConformanceFact]
    public void Twenty_threads_racing_on_many_tasks_number_each_task_independently()
    {
        const int Threads = 20, Tasks = 4, PerThread = 8;

        var errors = RunTogether(Threads, thread =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                Context.Manager.CreateCheckpoint($"task-{(thread + i) % Tasks}", "step", Json("{}"), Passing());
            }
        });

        Assert.Empty(errors);
        var perTask = Threads * PerThread / Tasks;
        for (var t = 0; t < Tasks; t++)
        {
            AssertOneToN(Context.Manager.ListCheckpoints($"task-{t}"), perTask);
        }
    }
}

public sealed class ConcurrentCommitTests_Sqlite(SqliteProvider provider) : ConcurrentCommitTests<SqliteProvider>(provider);

public sealed class ConcurrentCommitTests_PostgreSql(PostgreSqlProvider provider) : ConcurrentCommitTests<PostgreSqlProvider>(provider);
