using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.PostgreSql.Health;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlHealthCheckTests(PostgresDatabase server) : IClassFixture<PostgresDatabase>
{
    [PostgresFact]
    public async Task A_migrated_store_passes_every_check_and_reports_server_and_schema_versions()
    {
        var connectionString = await MigratedAsync();

        var report = await new PostgreSqlHealthCheck(connectionString).RunAllChecksAsync();

        Assert.True(report.AllPassed, report.ToTable());
        Assert.Equal(
            [
                PostgreSqlHealthCheckNames.ServerReachable, PostgreSqlHealthCheckNames.ServerVersion, PostgreSqlHealthCheckNames.SchemaVersion,
                PostgreSqlHealthCheckNames.RecoveryTables, PostgreSqlHealthCheckNames.SynchronousCommit, PostgreSqlHealthCheckNames.Fsync,
                PostgreSqlHealthCheckNames.RoleCanWrite,
            ],
            report.Checks.Select(c => c.Name));
        Assert.Equal(AgentOs.Sdk.Storage.StoreSchema.CurrentVersion, report.SchemaVersion);
        Assert.StartsWith("PostgreSQL ", report.ServerVersion, StringComparison.Ordinal);
        Assert.Contains(new NpgsqlConnectionStringBuilder(connectionString).Database!, report.DatabasePath, StringComparison.Ordinal);
        Assert.Contains($"({report.ServerVersion}, schema {report.SchemaVersion})", report.ToTable(), StringComparison.Ordinal);

        using var json = JsonDocument.Parse(report.ToJson());
        Assert.Equal(report.ServerVersion, json.RootElement.GetProperty("server_version").GetString());
        Assert.True(json.RootElement.GetProperty("summary").GetProperty("all_passed").GetBoolean());
    }

    [PostgresFact]
    public async Task Synchronous_commit_off_fails_and_strict_mode_refuses_to_start()
    {
        var connectionString = await MigratedAsync();
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await AdminSql.ExecuteAsync(connectionString, $"ALTER DATABASE \"{database}\" SET synchronous_commit = off");

        var error = await Assert.ThrowsAsync<StartupHealthCheckException>(
            () => PostgreSqlHealthCheck.RunAsync(connectionString, HealthCheckMode.Strict, verbose: false));

        Assert.Equal([PostgreSqlHealthCheckNames.SynchronousCommit], error.Report!.Summary.ChecksFailed);
        Assert.Contains("synchronous_commit is off", error.Message, StringComparison.Ordinal);
        var safe = await PostgreSqlHealthCheck.RunAsync(connectionString, HealthCheckMode.Safe, verbose: false);
        Assert.False(safe.RecoveryEnabled);
    }

    [PostgresFact]
    public async Task A_role_without_write_privileges_fails_role_can_write()
    {
        var connectionString = await MigratedAsync();
        var role = "reader_" + Guid.NewGuid().ToString("N")[..8];
        await AdminSql.ExecuteAsync(
            connectionString,
            $"CREATE ROLE {role} LOGIN PASSWORD 'reader-secret'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}");
        var asReader = new NpgsqlConnectionStringBuilder(connectionString) { Username = role, Password = "reader-secret" }.ConnectionString;

        var report = await new PostgreSqlHealthCheck(asReader).RunAllChecksAsync();

        Assert.Equal([PostgreSqlHealthCheckNames.RoleCanWrite], report.Summary.ChecksFailed);
        Assert.True(report.TryGetCheck(PostgreSqlHealthCheckNames.RoleCanWrite, out var check));
        Assert.Contains($"role '{role}' lacks SELECT/INSERT/UPDATE/DELETE on tasks", check.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("reader-secret", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_fails_within_the_timeout_and_every_other_check_is_not_run()
    {
        var port = ClosedPort();
        var connectionString = $"Host=127.0.0.1;Port={port};Database=agents;Username=app;Password=hunter2-secret";

        var report = await new PostgreSqlHealthCheck(connectionString, new PostgreSqlHealthCheckOptions { ConnectTimeout = TimeSpan.FromSeconds(2) }).RunAllChecksAsync();

        Assert.Equal(7, report.Summary.FailedCount);
        Assert.True(report.TryGetCheck(PostgreSqlHealthCheckNames.ServerReachable, out var reachable));
        Assert.Contains($"Cannot connect to postgresql://app@127.0.0.1:{port}/agents", reachable.Message, StringComparison.Ordinal);
        Assert.All(report.Checks.Skip(1), c => Assert.StartsWith("Not run: cannot connect to", c.Message, StringComparison.Ordinal));
        Assert.True(report.Duration < TimeSpan.FromSeconds(10), report.Duration.ToString());
        Assert.DoesNotContain("hunter2-secret", report.ToJson(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", report.ToTable(), StringComparison.Ordinal);
    }

    private async Task<string> MigratedAsync()
    {
        var connectionString = await server.CreateDatabaseAsync("health");
        (await AgentOsStore.OpenAsync(new StoreOptions().UsePostgreSql(connectionString))).Dispose();
        return connectionString;
    }

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
