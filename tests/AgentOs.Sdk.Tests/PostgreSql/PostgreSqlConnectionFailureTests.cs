using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Health;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>Bad input and lost servers: clear errors naming host and database (never the password), nothing half-written, and a reconnect afterwards.</summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlConnectionFailureTests
{
    [Fact]
    public async Task An_unreachable_server_fails_opening_asynchronously_with_the_host_and_database_and_not_the_password()
    {
        var port = PostgreSqlHealthCheckTests.ClosedPort();
        var connectionString = $"Host=127.0.0.1;Port={port};Database=agents;Username=app;Password=hunter2-secret";

        var error = await Assert.ThrowsAsync<StoreException>(
            async () => await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(connectionString, o => o.ConnectTimeout = TimeSpan.FromSeconds(2))));

        Assert.Contains($"postgresql://app@127.0.0.1:{port}/agents", error.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_server_is_named_the_same_way_through_AgentOsStore_Open()
    {
        var port = PostgreSqlHealthCheckTests.ClosedPort();
        var connectionString = $"Host=127.0.0.1;Port={port};Database=agents;Username=app;Password=hunter2-secret";

        var error = Assert.Throws<StoreException>(
            () => AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString, o => o.ConnectTimeout = TimeSpan.FromSeconds(2))));

        Assert.Contains($"postgresql://app@127.0.0.1:{port}/agents", error.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_connection_string_without_a_database_is_refused_before_connecting()
    {
        var error = Assert.Throws<ArgumentException>(() => PostgreSqlEndpoint.Parse("Host=db.internal;Username=app;Password=hunter2-secret"));

        Assert.Contains("host 'db.internal' names no Database", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", error.Message, StringComparison.Ordinal);
    }

    [PrivateClusterFact]
    public async Task A_wrong_password_is_refused_naming_host_and_database_and_never_the_password()
    {
        await using var cluster = await PrivateCluster.StartAsync();
        var wrong = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Password = "not-the-password-42" }.ConnectionString;

        var error = await Assert.ThrowsAsync<StoreException>(async () => await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(wrong)));

        Assert.Contains("refused the credentials (28P01", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("/postgres", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateCluster.Password, error.ToString(), StringComparison.Ordinal);

        // The same through the public API and the health check a host runs at start-up.
        var opened = Assert.Throws<StoreException>(() => AgentOsStore.Open(new StoreOptions().UsePostgreSql(wrong)));
        Assert.Contains("refused the credentials (28P01", opened.Message, StringComparison.Ordinal);
        Assert.Contains(PostgreSqlEndpoint.Parse(wrong).ToString(), opened.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", opened.ToString(), StringComparison.Ordinal);
        var report = await new PostgreSqlHealthCheck(wrong).RunAllChecksAsync();
        Assert.True(report.TryGetCheck(PostgreSqlHealthCheckNames.ServerReachable, out var reachable));
        Assert.False(reachable.Passed);
        Assert.Contains(PostgreSqlEndpoint.Parse(wrong).ToString(), reachable.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", report.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", report.ToTable(), StringComparison.Ordinal);
    }

    [PrivateClusterFact]
    public async Task A_server_restarted_mid_transaction_leaves_no_half_written_rows_and_the_store_reconnects()
    {
        await using var cluster = await PrivateCluster.StartAsync();

        // Without retries the caller sees the lost connection, named by host and database.
        using (var noRetry = AgentOsStore.Open(new StoreOptions().UsePostgreSql(cluster.ConnectionString, o => o.MaxRetries = 0)))
        {
            var error = await Assert.ThrowsAsync<StoreException>(() => noRetry.ExecuteWriteAsync(
                async (tx, ct) =>
                {
                    await InsertTaskAsync(tx, "task-a", ct);
                    await cluster.RestartAsync();
                    return 0;
                }));
            Assert.Contains("Cannot run a write transaction", error.Message, StringComparison.Ordinal);
            Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(PrivateCluster.Password, error.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(0L, await AdminSql.ScalarAsync<long>(cluster.ConnectionString, "SELECT count(*) FROM tasks"));

        // With retries, the transaction the restart killed (the server ended the session before COMMIT) runs again on a
        // fresh connection and commits once; the store's idle connections that died with the server are not reused.
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(cluster.ConnectionString));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.ExecuteWriteAsync((tx, ct) => Task.FromResult(tx.UtcNow))));
        var attempts = 0;
        await store.ExecuteWriteAsync(
            async (tx, ct) =>
            {
                await InsertTaskAsync(tx, "task-b", ct);
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    await cluster.RestartAsync();
                }

                return 0;
            });

        Assert.Equal(2, attempts);
        Assert.Equal(1L, await AdminSql.ScalarAsync<long>(cluster.ConnectionString, "SELECT count(*) FROM tasks"));
        Assert.Equal("task-b", await AdminSql.ScalarAsync<string>(cluster.ConnectionString, "SELECT task_id FROM tasks"));

        // A restart between two operations kills every idle connection in the store's pool: the next operation of a
        // module (here the queue and a lease) neither fails nor needs the caller to retry.
        var queue = new WorkQueue(store);
        var item = queue.Enqueue("job");
        await cluster.RestartAsync();
        var lease = await new LeaseManager(store, "worker-after-restart").TryAcquireAsync(item.Id, TimeSpan.FromMinutes(1));
        Assert.NotNull(lease);
        Assert.Equal(1, lease.Epoch);
        Assert.Equal("worker-after-restart", await AdminSql.ScalarAsync<string>(cluster.ConnectionString, "SELECT lease_holder FROM work_items"));
    }

    [PrivateClusterFact]
    public async Task A_connection_lost_while_committing_is_not_run_again_and_the_error_says_the_outcome_is_unknown()
    {
        await using var cluster = await PrivateCluster.StartAsync();
        using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(cluster.ConnectionString));
        var attempts = 0;

        // The session's server process is SIGKILLed just before COMMIT: the socket closes with no word from the server,
        // which is what a network cut during COMMIT looks like. Whether the server committed cannot be known from here.
        var error = await Assert.ThrowsAsync<StoreException>(() => store.ExecuteWriteAsync(
            async (tx, ct) =>
            {
                Interlocked.Increment(ref attempts);
                await InsertTaskAsync(tx, "task-c", ct);
                await using var pid = tx.CreateCommand("SELECT pg_backend_pid()");
                using var backend = Process.GetProcessById(Convert.ToInt32(await pid.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture));
                backend.Kill();
                await backend.WaitForExitAsync(ct);
                return 0;
            }));

        Assert.Equal(1, attempts);
        Assert.Contains("whether the transaction committed is unknown", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateCluster.Password, error.ToString(), StringComparison.Ordinal);

        // The server restarts its sessions after a backend crash; once it accepts connections again, the store reconnects.
        await WaitUntilAcceptingAsync(cluster.ConnectionString);
        Assert.Equal(0L, await AdminSql.ScalarAsync<long>(cluster.ConnectionString, "SELECT count(*) FROM tasks"));
        await store.ExecuteWriteAsync(
            async (tx, ct) =>
            {
                await InsertTaskAsync(tx, "task-d", ct);
                return 0;
            });
        Assert.Equal("task-d", await AdminSql.ScalarAsync<string>(cluster.ConnectionString, "SELECT task_id FROM tasks"));
    }

    private static async Task WaitUntilAcceptingAsync(string connectionString)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await AdminSql.ScalarAsync<int>(connectionString, "SELECT 1");
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task InsertTaskAsync(StoreTransaction tx, string id, CancellationToken ct)
    {
        await using var command = tx.CreateCommand("INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES (@id, @now, @now)");
        command.SetParameter("@id", id);
        command.SetParameter("@now", tx.UtcNowMilliseconds);
        await command.ExecuteNonQueryAsync(ct);
    }
}
