using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>Bad input and lost servers: clear errors naming host and database (never the password), nothing half-written, and a reconnect afterwards.</summary>
[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlConnectionFailureTests
{
    [Fact]
    public async Task An_unreachable_server_fails_with_the_host_and_database_and_not_the_password()
    {
        var port = PostgreSqlHealthCheckTests.ClosedPort();
        var connectionString = $"Host=127.0.0.1;Port={port};Database=agents;Username=app;Password=hunter2-secret";

        var error = await Assert.ThrowsAsync<StoreException>(
            () => PostgreSqlDatabase.OpenAsync(connectionString, new PostgreSqlStoreOptions { ConnectTimeout = TimeSpan.FromSeconds(2) }, CancellationToken.None));

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

        var error = await Assert.ThrowsAsync<StoreException>(() => PostgreSqlDatabase.OpenAsync(wrong, null, CancellationToken.None));

        Assert.Contains("refused the credentials (28P01", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("/postgres", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-42", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateCluster.Password, error.ToString(), StringComparison.Ordinal);
    }

    [PrivateClusterFact]
    public async Task A_server_restarted_mid_transaction_leaves_no_half_written_rows_and_the_store_reconnects()
    {
        await using var cluster = await PrivateCluster.StartAsync();
        var (database, _) = await PostgreSqlDatabase.OpenAsync(cluster.ConnectionString, null, CancellationToken.None);
        await using (database)
        {
            // Without retries the caller sees the lost connection, named by host and database.
            var noRetry = PostgreSqlDatabase.Create(cluster.ConnectionString, new PostgreSqlStoreOptions { MaxRetries = 0 });
            await using (noRetry)
            {
                var error = await Assert.ThrowsAsync<StoreException>(() => noRetry.WriteAsync(
                    async (connection, transaction, now, ct) =>
                    {
                        await InsertTaskAsync(connection, transaction, "task-a", now, ct);
                        await cluster.RestartAsync();
                        return 0;
                    },
                    "create a task"));
                Assert.Contains("Cannot create a task on PostgreSQL", error.Message, StringComparison.Ordinal);
                Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(PrivateCluster.Password, error.ToString(), StringComparison.Ordinal);
            }

            Assert.Equal(0L, await AdminSql.ScalarAsync<long>(cluster.ConnectionString, "SELECT count(*) FROM tasks"));

            // With retries, the transaction the restart killed runs again on a fresh connection and commits once.
            var attempts = 0;
            await database.WriteAsync(
                async (connection, transaction, now, ct) =>
                {
                    await InsertTaskAsync(connection, transaction, "task-b", now, ct);
                    if (Interlocked.Increment(ref attempts) == 1)
                    {
                        await cluster.RestartAsync();
                    }

                    return 0;
                },
                "create a task");

            Assert.Equal(2, attempts);
            Assert.Equal(1L, await AdminSql.ScalarAsync<long>(cluster.ConnectionString, "SELECT count(*) FROM tasks"));
            Assert.Equal("task-b", await AdminSql.ScalarAsync<string>(cluster.ConnectionString, "SELECT task_id FROM tasks"));
        }
    }

    private static async Task InsertTaskAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, long now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES (@id, @now, @now)", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync(ct);
    }
}
