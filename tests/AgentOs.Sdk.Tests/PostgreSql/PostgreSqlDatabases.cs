using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Throwaway databases on the test server: each test gets a fresh, empty database of its own (so tests run in parallel
/// and never see each other's rows), dropped when the collection ends.
/// </summary>
public sealed class PostgreSqlDatabases : IAsyncLifetime
{
    private readonly List<string> _created = [];
    private readonly Lock _gate = new();

    /// <summary>The server's admin connection string (database <c>postgres</c>).</summary>
    public string AdminConnectionString { get; } = PostgreSqlTestServer.ConnectionString ?? string.Empty;

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateAsync(string prefix = "t")
    {
        var name = $"agentos_{prefix}_{Guid.NewGuid():N}"[..40];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        lock (_gate)
        {
            _created.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs SQL as the admin on a database.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Reads one value as the admin.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (string.IsNullOrEmpty(AdminConnectionString))
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        foreach (var name in _created)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
