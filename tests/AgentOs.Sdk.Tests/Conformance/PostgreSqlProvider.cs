using System.Data.Common;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Health;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// The PostgreSQL side of the conformance suite, on the test process's shared server (<see cref="PostgresServer"/>): each
/// test gets a database of its own, cloned from a template migrated once per test process (<c>CREATE DATABASE ... TEMPLATE</c>
/// copies the files instead of running the migration again), dropped when the test is done. Skipped with a one-line reason
/// where there is no server, unless <c>AGENTOS_REQUIRE_POSTGRES=1</c> (CI), where the tests run and fail.
/// </summary>
public sealed class PostgreSqlProvider : IStoreProviderFixture
{
    /// <summary>The <c>Provider</c> trait's value for PostgreSQL tests; <c>.ci/run</c> fails when none of them ran.</summary>
    public const string Name = "PostgreSql";

    // One migrated template per test process, made on first use; every test database is a copy of it.
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    // Databases being dropped: a DROP DATABASE takes hundreds of milliseconds (it waits for every backend to let go of the
    // files), so a test does not wait for its own; the class waits for all of them at its end.
    private readonly List<Task> _drops = [];
    private PostgresServer? _server;

    /// <inheritdoc />
    public static string ProviderName => Name;

    /// <inheritdoc />
    public static string? SkipReason => PostgresServer.SkipReason;

    /// <inheritdoc />
    public async Task<StoreUnderTest> CreateAsync(string label, bool empty = false, CancellationToken cancellationToken = default)
    {
        var server = _server ?? throw new InvalidOperationException(SkipReason ?? "The PostgreSQL provider fixture was not initialized.");
        if (empty)
        {
            return new PostgreSqlStoreUnderTest(this, await server.CreateDatabaseAsync(label, cancellationToken).ConfigureAwait(false));
        }

        var template = await Template.Value.ConfigureAwait(false);
        var name = DatabaseName(label);
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new PostgreSqlStoreUnderTest(this, new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString);
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        if (SkipReason is null)
        {
            _server = await PostgresServer.GetSharedAsync().ConfigureAwait(false);
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Task[] drops;
        lock (_drops)
        {
            drops = [.. _drops];
        }

        await Task.WhenAll(drops).ConfigureAwait(false);
    }

    private void Drop(string connectionString)
    {
        var server = _server!;
        lock (_drops)
        {
            _drops.Add(Task.Run(() => server.DropDatabaseAsync(connectionString)));
        }
    }

    private static string DatabaseName(string label)
    {
        var safe = new string(label.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        return $"c_{(safe.Length > 30 ? safe[..30] : safe)}_{Guid.NewGuid():N}";
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var server = await PostgresServer.GetSharedAsync().ConfigureAwait(false);
        var connectionString = await server.CreateDatabaseAsync("template").ConfigureAwait(false);
        using (AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString)))
        {
        }

        // No connection may stay on a template while it is copied, and none may be opened to it by mistake later.
        await using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var seal = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", connection);
            await seal.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        // A server of the developer's own (AGENTOS_TEST_POSTGRES) outlives the test process: leave no template on it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DropTemplate(server.ConnectionString, name);
        return name;
    }

    private static void DropTemplate(string serverConnectionString, string name)
    {
        try
        {
            using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(serverConnectionString) { Pooling = false, Timeout = 3 }.ConnectionString);
            connection.Open();
            using var drop = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH IS_TEMPLATE false; DROP DATABASE IF EXISTS \"{name}\"", connection);
            drop.ExecuteNonQuery();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The throwaway server may already be stopped (it goes with the process, and the template with it).
        }
    }

    private sealed class PostgreSqlStoreUnderTest(PostgreSqlProvider provider, string connectionString) : StoreUnderTest
    {
        public override string ProviderName => Name;

        public override string ConnectionString => connectionString;

        public override string Location => PostgreSqlEndpoint.Parse(connectionString).ToString();

        internal override IReadOnlyList<Migration> Migrations => PostgreSqlMigrations.All;

        public override async Task<List<string>> TablesAsync(CancellationToken cancellationToken = default)
        {
            var tables = await ColumnAsync(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name COLLATE \"C\"", cancellationToken).ConfigureAwait(false);
            return [.. tables.OfType<string>()];
        }

        public override Task<StartupHealthReport> CheckHealthAsync(CancellationToken cancellationToken = default) =>
            new PostgreSqlHealthCheck(connectionString).RunAllChecksAsync(cancellationToken);

        public override Task<StartupHealthReport> RunHealthCheckAsync(HealthCheckMode mode, CancellationToken cancellationToken = default) =>
            PostgreSqlHealthCheck.RunAsync(connectionString, mode, verbose: false, cancellationToken: cancellationToken);

        public override IHealthCheck CreateHealthCheck() => new PostgreSqlStoreHealthCheck(connectionString);

        public override async Task<DbConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken = default)
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }

        protected override StoreOptions Target(StoreOptions options) =>
            // The caller's clock, as on SQLite: FakeTimeProvider drives expiry the same way on both providers.
            options.UsePostgreSql(connectionString, postgres => postgres.UseServerClock = false);

        protected override ValueTask DeleteAsync()
        {
            provider.Drop(connectionString);
            return ValueTask.CompletedTask;
        }
    }
}
