namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// A class fixture that gives a test class its own empty database on the shared PostgreSQL server, dropped when the class is
/// done, so test classes stay independent and can run in parallel. Use it with <see cref="PostgresFactAttribute"/>:
/// <code>
/// public sealed class MyTests(PostgresDatabase database) : IClassFixture&lt;PostgresDatabase&gt;
/// {
///     [PostgresFact, Trait("Provider", "PostgreSql")]
///     public async Task Works() { await using var c = new NpgsqlConnection(database.ConnectionString); ... }
/// }
/// </code>
/// When there is no server and none is required, the fixture does nothing (the tests are skipped).
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private PostgresServer? _server;
    private readonly List<string> _extra = [];
    private string? _connectionString;

    /// <summary>A connection string to this class's database.</summary>
    public string ConnectionString => _connectionString
        ?? throw new InvalidOperationException(PostgresServer.SkipReason ?? "The PostgreSQL test database was not created.");

    /// <summary>A connection string to the server's maintenance database (to create more databases, or look at the server).</summary>
    public string ServerConnectionString => _server?.ConnectionString
        ?? throw new InvalidOperationException(PostgresServer.SkipReason ?? "The PostgreSQL test server was not started.");

    /// <summary>Creates one more empty database on the same server (for tests that need several); dropped with this fixture.</summary>
    public async Task<string> CreateDatabaseAsync(string label)
    {
        var server = _server ?? throw new InvalidOperationException(PostgresServer.SkipReason ?? "The PostgreSQL test server was not started.");
        var connectionString = await server.CreateDatabaseAsync(label).ConfigureAwait(false);
        lock (_extra)
        {
            _extra.Add(connectionString);
        }

        return connectionString;
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        if (PostgresServer.SkipReason is not null)
        {
            return;
        }

        _server = await PostgresServer.GetSharedAsync().ConfigureAwait(false);
        _connectionString = await _server.CreateDatabaseAsync("class").ConfigureAwait(false);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_server is null)
        {
            return;
        }

        foreach (var connectionString in _extra.Append(_connectionString).OfType<string>())
        {
            await _server.DropDatabaseAsync(connectionString).ConfigureAwait(false);
        }
    }
}
