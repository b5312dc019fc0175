using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// The store's hot statements are prepared on the server once per connection (Npgsql's automatic preparation, which the
/// store turns on unless the connection string says otherwise): without it the server parses and plans every checkpoint
/// INSERT and every claim again, which cost more server CPU than the statements themselves. Read on the store's own
/// connection from <c>pg_prepared_statements</c>, the server's list for that session.
/// </summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlPreparedStatementTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    private const int Uses = 8;

    [PostgresFact]
    public async Task The_checkpoint_insert_and_the_claim_are_prepared_on_the_server_after_a_few_uses()
    {
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(await server.CreateDatabaseAsync("prepared")));
        Use(store);

        var prepared = PreparedStatements(store);
        Assert.Contains(prepared, sql => sql.Contains("INSERT INTO checkpoints", StringComparison.Ordinal));
        Assert.Contains(prepared, sql => sql.Contains("FOR UPDATE SKIP LOCKED", StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task Max_Auto_Prepare_0_in_the_connection_string_is_honoured()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync("unprepared")) { MaxAutoPrepare = 0 }.ConnectionString;
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
        Use(store);

        Assert.Empty(PreparedStatements(store));
    }

    private static void Use(AgentOsStore store)
    {
        using var manager = new CheckpointManager(store, new CheckpointManagerOptions { BaseDirectory = Path.GetTempPath() });
        using var snapshot = JsonDocument.Parse("""{"step":1}""");
        new WorkQueue(store).EnqueueRange(Enumerable.Range(0, Uses).Select(_ => new WorkItemRequest("job")));
        var leases = new LeaseManager(store, "worker");
        for (var i = 0; i < Uses; i++)
        {
            manager.CreateCheckpoint("task", "step", snapshot.RootElement, [new CommandExitEvidence("true", 0)]);
            leases.Release(leases.TryAcquireNext("job", TimeSpan.FromMinutes(1))!, success: true);
        }
    }

    // One caller at a time gets the same pooled connection back, so this reads the session the work above ran on.
    private static List<string> PreparedStatements(AgentOsStore store) =>
        store.Read("list prepared statements", TimeProvider.System, async tx =>
        {
            var statements = new List<string>();
            await using var reader = await tx.ReaderAsync(tx.Command("SELECT statement FROM pg_prepared_statements"));
            while (await tx.ReadAsync(reader))
            {
                statements.Add(reader.GetString(0));
            }

            return statements;
        });
}
