using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// The PostgreSQL server a benchmark runs against: <c>AGENTOS_BENCH_POSTGRES</c> (an Npgsql connection string to a server
/// you run, role with CREATEDB), else the tests' throwaway cluster (<c>tests/Shared/PostgresServer.cs</c>: the installed
/// PostgreSQL, started in /tmp on a free port and deleted at exit). Each benchmark gets a fresh database.
/// </summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    public const string Variable = "AGENTOS_BENCH_POSTGRES";

    private readonly PostgresServer? _owned;
    private readonly string _admin;
    private readonly string _database;

    private BenchPostgres(PostgresServer? owned, string admin, string database, string connectionString)
    {
        _owned = owned;
        _admin = admin;
        _database = database;
        ConnectionString = connectionString;
    }

    /// <summary>A connection string to this benchmark's fresh, empty database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's postmaster process when this benchmark started the server (so its CPU can be read), else null.</summary>
    public int? ServerProcessId => _owned?.ProcessId;

    public static async Task<BenchPostgres> StartAsync(string label)
    {
        PostgresServer? owned = null;
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            owned = await PostgresServer.StartAsync();
            admin = owned.ConnectionString;
        }

        var name = $"bench_{label}_{Guid.NewGuid():N}"[..40];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new BenchPostgres(owned, admin, name, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(_admin))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }
}
