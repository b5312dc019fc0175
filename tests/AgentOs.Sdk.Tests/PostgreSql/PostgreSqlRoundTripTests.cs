using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Pins how many network round trips the hot paths make on PostgreSQL with the server's clock (the default), counted on
/// the wire by a relay (<see cref="RoundTripCounter"/>) in front of a real server. A write whose statements all go in
/// one batch is one round trip: outside BEGIN/COMMIT the batch is PostgreSQL's implicit transaction, committed at its end
/// (<c>AgentOsStore.WriteBatch</c>); a write transaction with work between its statements is at least two (its
/// statements, with the BEGIN Npgsql sends along with the first one, and its COMMIT). A regression here shows up in CI,
/// not only in a benchmark. Each operation runs a few times first, so that Npgsql has prepared its statements.
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlRoundTripTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    private const int WarmUp = 6;
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [PostgresFact]
    public async Task Creating_a_checkpoint_is_one_round_trip_and_with_an_audit_row_a_transaction_of_three()
    {
        await using var relay = RoundTripCounter.Start(await server.CreateDatabaseAsync("rt-cp"));
        using var store = Open(relay);
        using var manager = new CheckpointManager(store, new CheckpointManagerOptions { BaseDirectory = Path.GetTempPath() });
        using var snapshot = JsonDocument.Parse("""{"step":1}""");
        EvidencePack evidence = [new CommandExitEvidence("true", 0)];
        for (var i = 0; i < WarmUp; i++)
        {
            manager.CreateCheckpoint("warm", "step", snapshot.RootElement, evidence);
            await manager.CreateCheckpointAsync("warm-async", "step", snapshot.RootElement, evidence);
        }

        // A task this manager has written: lock the task row and insert the numbered checkpoint, one batch committed at its end.
        Assert.Equal(1, await relay.CountAsync(() => Task.FromResult(manager.CreateCheckpoint("warm", "step", snapshot.RootElement, evidence))));
        Assert.Equal(1, await relay.CountAsync(() => manager.CreateCheckpointAsync("warm-async", "step", snapshot.RootElement, evidence)));
        // A new task: its row is created in the same batch.
        Assert.Equal(1, await relay.CountAsync(() => manager.CreateCheckpointAsync("new-task", "step", snapshot.RootElement, evidence)));

        // With an audit row (which carries the number the INSERT returned) the write is a transaction: the INSERT's batch, the
        // audit row, and the COMMIT.
        using var audited = new CheckpointManager(store, new CheckpointManagerOptions { BaseDirectory = Path.GetTempPath(), AuditCheckpointCreation = true });
        for (var i = 0; i < WarmUp; i++)
        {
            await audited.CreateCheckpointAsync("audited", "step", snapshot.RootElement, evidence);
        }

        Assert.Equal(3, await relay.CountAsync(() => audited.CreateCheckpointAsync("audited", "step", snapshot.RootElement, evidence)));

        var numbers = manager.ListCheckpoints("warm").Select(c => c.SequenceNumber).ToList();
        Assert.Equal(Enumerable.Range(1, WarmUp + 1).Select(n => (long)n), numbers);
    }

    [PostgresFact]
    public async Task Claiming_the_next_item_renewing_and_releasing_it_are_one_round_trip_each_and_a_fenced_write_is_a_transaction()
    {
        await using var relay = RoundTripCounter.Start(await server.CreateDatabaseAsync("rt-queue"));
        using var store = Open(relay);
        new WorkQueue(store).EnqueueRange(Enumerable.Range(0, (2 * WarmUp) + 4).Select(_ => new WorkItemRequest("job")));
        var leases = new LeaseManager(store, "worker");
        for (var i = 0; i < WarmUp; i++)
        {
            leases.Release(leases.TryAcquireNext("job", Minute)!, success: true);
            var warm = (await leases.TryAcquireNextAsync("job", Minute))!;
            await leases.RenewAsync(warm, Minute);
            await leases.ExecuteFencedAsync(warm, (tx, ct) => Task.CompletedTask);
            await leases.ReleaseAsync(warm, success: true);
        }

        Lease? lease = null;
        Assert.Equal(1, await relay.CountAsync(async () => lease = await leases.TryAcquireNextAsync("job", Minute)));
        Assert.NotNull(lease);
        Assert.Equal(1, await relay.CountAsync(async () => lease = await leases.RenewAsync(lease, Minute)));
        // A fenced write of one statement: the fence (with the BEGIN and its row lock), the statement, the COMMIT. The work
        // sees the time the fence judged the lease by, read on the server.
        var judgedAt = DateTimeOffset.MinValue;
        Assert.Equal(3, await relay.CountAsync(() => leases.ExecuteFencedAsync(lease, async (tx, ct) =>
        {
            judgedAt = tx.UtcNow;
            await using var write = tx.CreateCommand("UPDATE work_items SET output = 'fenced' WHERE work_item_id = @id");
            write.SetParameter("@id", lease.WorkItemId);
            await write.ExecuteNonQueryAsync(ct);
        })));
        Assert.InRange(judgedAt, lease.ExpiresAt - Minute - TimeSpan.FromSeconds(30), lease.ExpiresAt);
        Assert.Equal(1, await relay.CountAsync(() => leases.ReleaseAsync(lease, success: true)));

        Assert.Equal(1, await relay.CountAsync(() => Task.FromResult(lease = leases.TryAcquireNext("job", Minute))));
        Assert.Equal(1, await relay.CountAsync(() => Task.FromResult(leases.Release(lease!, success: true))));
        Assert.Equal(WorkItemStatus.Succeeded, (await new WorkQueue(store).FindAsync(lease!.WorkItemId))!.Status);
    }

    [PostgresFact]
    public async Task A_connection_that_sat_idle_carries_an_ordinary_transaction_so_a_dead_one_is_retried_not_in_doubt()
    {
        await using var relay = RoundTripCounter.Start(await server.CreateDatabaseAsync("rt-idle"));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var store = AgentOsStore.Open(new StoreOptions { TimeProvider = clock }.UsePostgreSql(relay.ConnectionString));
        new WorkQueue(store).EnqueueRange(Enumerable.Range(0, WarmUp + 3).Select(_ => new WorkItemRequest("job")));
        var leases = new LeaseManager(store, "worker");
        for (var i = 0; i < WarmUp; i++)
        {
            leases.Release(leases.TryAcquireNext("job", Minute)!, success: true);
        }

        Assert.Equal(1, await relay.CountAsync(() => Task.FromResult(leases.TryAcquireNext("job", Minute))));

        // Idle past the limit: a network device may have dropped the connection silently. BEGIN goes with the statement and
        // the COMMIT after it, so a dead connection fails before anything could commit. (So does a connection's first use:
        // the warm-up above began with one.)
        clock.Advance(AgentOsStore.BatchIdleLimit + TimeSpan.FromSeconds(1));
        Assert.Equal(2, await relay.CountAsync(() => Task.FromResult(leases.TryAcquireNext("job", Minute))));

        // Used again at once: one round trip.
        Assert.Equal(1, await relay.CountAsync(() => Task.FromResult(leases.TryAcquireNext("job", Minute))));
    }

    [PostgresFact]
    public async Task The_one_batch_writes_run_read_committed_whatever_the_database_default()
    {
        var connectionString = await server.CreateDatabaseAsync("rt-isolation");
        var database = new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database;
        await AdminSql.ExecuteAsync(connectionString, $"ALTER DATABASE \"{database}\" SET default_transaction_isolation = 'serializable'");
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));

        var isolation = store.Read("read the isolation level", TimeProvider.System, async tx => (string?)await tx.ScalarAsync(tx.Command("SHOW default_transaction_isolation")));

        Assert.Equal("read committed", isolation);
        Assert.Equal("serializable", await AdminSql.ScalarAsync<string>(connectionString, "SHOW default_transaction_isolation"));
    }

    private static AgentOsStore Open(RoundTripCounter relay) =>
        AgentOsStore.Open(new StoreOptions().UsePostgreSql(relay.ConnectionString));
}
