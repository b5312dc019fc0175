using System.Globalization;
using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Chaos;

/// <summary>
/// Runs the chaos drills on a PostgreSQL server (<c>agentos chaos --store "Host=...;Database=..."</c>): every database a
/// drill opens is a fresh database on that server, created from <c>template0</c> and dropped when the drill passes (kept for
/// inspection when it fails), so every run starts clean and nothing of the database the connection string names is touched.
/// </summary>
/// <remarks>
/// The connection string's role needs <c>CREATEDB</c>. The drills' worker processes open the same databases with the same
/// credentials; reports and errors name a database by host, port, database and user only, never with the password.
/// </remarks>
public sealed class PostgreSqlChaosStoreProvider : ChaosStoreProvider
{
    private const string Prefix = "agentos_chaos_";
    private readonly string? _connectionString;
    private readonly PostgreSqlEndpoint? _server;

    /// <summary>Creates the provider for the server <paramref name="connectionString"/> points at.</summary>
    /// <param name="connectionString">An Npgsql connection string to an existing database on the server; its role needs <c>CREATEDB</c>.</param>
    /// <exception cref="ArgumentException">The connection string is invalid or names no host or database.</exception>
    public PostgreSqlChaosStoreProvider(string connectionString)
    {
        _server = PostgreSqlEndpoint.Parse(connectionString);
        _connectionString = connectionString;
    }

    // A worker process only opens databases its parent created, by their address: it needs no server connection of its own.
    private PostgreSqlChaosStoreProvider()
    {
    }

    /// <inheritdoc />
    public override string Name => "PostgreSQL";

    /// <inheritdoc />
    public override bool IsServer => true;

    /// <inheritdoc />
    public override string Location => _server is null ? "(the databases its parent created)" : _server.ToString();

    /// <inheritdoc />
    protected internal override async Task<string> CreateDatabaseAsync(ChaosDrillContext context, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (connectionString, server) = Server();
        var database = DatabaseName(context.DrillNumber, name);
        try
        {
            var connection = new NpgsqlConnection(connectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\" TEMPLATE template0", connection);
                await using (create.ConfigureAwait(false))
                {
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (PostgresException ex) when (ex.SqlState == "42501")
        {
            throw new StoreException(
                server.ToString(),
                $"The role '{server.Username}' may not create databases, and each chaos drill needs fresh ones: ALTER ROLE ... CREATEDB, or use a role that has it",
                ex);
        }
        catch (NpgsqlException ex)
        {
            throw new StoreException(server.ToString(), $"Cannot create the drill database '{database}': {ex.Message}", ex);
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
    }

    /// <inheritdoc />
    protected internal override void Configure(StoreOptions options, string address, bool followCallerClock) =>
        options.UsePostgreSql(address, postgres =>
        {
            postgres.UseServerClock = !followCallerClock;
            // Drills start tens of processes at once on one machine; a connection that takes long then is load, not an outage.
            postgres.ConnectTimeout = TimeSpan.FromSeconds(30);
        });

    /// <inheritdoc />
    protected internal override async Task DeleteDatabasesAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Count == 0)
        {
            return;
        }

        var (connectionString, server) = Server();
        try
        {
            var connection = new NpgsqlConnection(connectionString);
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                foreach (var address in addresses)
                {
                    var database = new NpgsqlConnectionStringBuilder(address).Database!;
                    // This process's idle pooled connections to it would otherwise be cut under the pool by FORCE.
                    NpgsqlConnection.ClearPool(new NpgsqlConnection(address));
                    var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
                    await using (drop.ConfigureAwait(false))
                    {
                        await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (NpgsqlException ex)
        {
            throw new StoreException(server.ToString(), $"Cannot drop the databases of a drill that passed: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    protected internal override string Describe(string address) => PostgreSqlEndpoint.Parse(address).ToString();

    // agentos_chaos_10_two_hosts_1a2b3c4d: the drill and the database in the name (it shows in pg_stat_activity and the
    // server's log), a random suffix so that runs never meet, and within PostgreSQL's 63 bytes.
    private static string DatabaseName(int drill, string name)
    {
        var safe = new string([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var head = string.Create(CultureInfo.InvariantCulture, $"{Prefix}{drill}_");
        var room = 63 - head.Length - 1 - suffix.Length;
        return $"{head}{(safe.Length > room ? safe[..room] : safe)}_{suffix}";
    }

    private (string ConnectionString, PostgreSqlEndpoint Server) Server() =>
        _connectionString is not null && _server is not null
            ? (_connectionString, _server)
            : throw new InvalidOperationException("A worker process cannot create or drop drill databases: its parent does.");
}
