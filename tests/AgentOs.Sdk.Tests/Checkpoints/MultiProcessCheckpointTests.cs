using System.Globalization;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>Real processes writing one database at once, and one SIGKILLed mid-step, on each provider.</summary>
public abstract class MultiProcessCheckpointTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    [ConformanceFact]
    public void Twenty_processes_writing_one_database_at_once_lose_no_write()
    {
        // The peer lost about 10% of the writes with 20 processes on one database.
        const int Processes = 20, PerProcess = 10;
        // Migrated already (the conformance database starts migrated): the children race on checkpoints, not on the schema.
        var database = Database.ConnectionString;

        var children = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < Processes; i++)
            {
                children.Add(ChildProcess.StartAssembly(
                    BuiltProgram.TestHost,
                    ["checkpoint-writer", database, "task", PerProcess.ToString(CultureInfo.InvariantCulture), "normal"]));
            }

            // Every writer opens the store and waits; then all are released at once.
            foreach (var child in children)
            {
                Assert.Equal("ready", child.ReadLine());
            }

            foreach (var child in children)
            {
                child.WriteLine("go");
            }

            foreach (var child in children)
            {
                Assert.StartsWith($"done {PerProcess} ", child.ReadLine(), StringComparison.Ordinal);
                Assert.True(child.WaitForExit() == 0, child.Stderr);
            }
        }
        finally
        {
            children.ForEach(child => child.Dispose());
        }

        using var manager = new CheckpointManager(Database.Open());
        var checkpoints = manager.ListCheckpoints("task");
        Assert.Equal(Enumerable.Range(1, Processes * PerProcess).Select(n => (long)n), checkpoints.Select(c => c.SequenceNumber));
        Assert.All(checkpoints, c => Assert.Equal(CheckpointStatus.Verified, c.Status));
        // Each process wrote all of its own checkpoints.
        var perWriter = checkpoints.GroupBy(c => c.Metadata["writer"]).ToList();
        Assert.Equal(Processes, perWriter.Count);
        Assert.All(perWriter, group => Assert.Equal(PerProcess, group.Count()));
    }

    [ConformanceFact]
    public void A_process_killed_in_the_middle_of_a_step_leaves_it_pending_and_never_verified()
    {
        var database = Database.ConnectionString;
        string pendingId;
        using (var child = ChildProcess.StartAssembly(BuiltProgram.TestHost, ["checkpoint-step-crash", database, "task"]))
        {
            var line = child.ReadLine();
            Assert.StartsWith("begun ", line, StringComparison.Ordinal);
            pendingId = line["begun ".Length..];

            // SIGKILL: no finally block, no Dispose, no commit runs in the child.
            child.Kill();
            Assert.Equal(137, child.WaitForExit());
        }

        using var manager = new CheckpointManager(Database.Open());
        var checkpoints = manager.ListCheckpoints("task");
        Assert.Equal(2, checkpoints.Count);
        var pending = checkpoints.Single(c => c.Id == pendingId);
        Assert.Equal(CheckpointStatus.Pending, pending.Status);
        Assert.Equal(2, pending.SequenceNumber);
        Assert.Equal(1, manager.GetLastVerifiedCheckpoint("task")!.SequenceNumber);

        // The next worker retires the crashed step and carries on after it.
        Assert.Equal(1, manager.AbandonPendingSteps("task", "its process was killed"));
        Assert.Equal(3, manager.CreateCheckpoint("task", "second", CheckpointTestContext.Json("{}"), CheckpointTestContext.Passing()).SequenceNumber);
    }
}

public sealed class MultiProcessCheckpointTests_Sqlite(SqliteProvider provider) : MultiProcessCheckpointTests<SqliteProvider>(provider);

public sealed class MultiProcessCheckpointTests_PostgreSql(PostgreSqlProvider provider) : MultiProcessCheckpointTests<PostgreSqlProvider>(provider);
