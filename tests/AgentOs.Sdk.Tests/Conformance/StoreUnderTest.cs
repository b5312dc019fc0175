using System.Data.Common;
using System.Globalization;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// One test's own database on one provider. <see cref="Open"/> opens a store on it the way a host would: each call is another
/// store with its own connection pool, as another process or another machine sharing the database would have. Every store
/// opened here is disposed with this object, and then the database is deleted.
/// </summary>
/// <remarks>
/// Stores run on the caller's clock on every provider (<see cref="StoreOptions.TimeProvider"/>, or the clock given to a
/// <c>LeaseManager</c>), so a <c>FakeTimeProvider</c> drives expiry the same way on SQLite and PostgreSQL. What only the
/// server's clock can show (hosts whose clocks disagree) stays in the PostgreSQL-only tests.
/// </remarks>
public abstract class StoreUnderTest : IAsyncDisposable
{
    private readonly List<AgentOsStore> _opened = [];

    /// <summary>The provider's name, as the <c>Provider</c> trait carries it: <c>Sqlite</c> or <c>PostgreSql</c>.</summary>
    public abstract string ProviderName { get; }

    /// <summary>Whether this is the PostgreSQL provider (for the few assertions whose wording differs, such as a location).</summary>
    public bool IsPostgreSql => ProviderName == PostgreSqlProvider.Name;

    /// <summary>
    /// Picks the statement for this provider, for the few a test needs that differ (triggers, DDL); the store's own SQL is the
    /// same on both.
    /// </summary>
    public string Choose(string sqlite, string postgreSql) => IsPostgreSql ? postgreSql : sqlite;

    /// <summary>
    /// What names the database to a child process or the <c>agentos</c> CLI: the SQLite file's full path, or the PostgreSQL
    /// connection string.
    /// </summary>
    public abstract string ConnectionString { get; }

    /// <summary>
    /// How the store names itself in its errors and reports: the SQLite file's full path, or PostgreSQL's
    /// <c>postgresql://user@host:port/database</c> (never a password).
    /// </summary>
    public abstract string Location { get; }

    /// <summary>The migration scripts this provider applies (the same version numbers on both).</summary>
    internal abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>
    /// Store options that point at this database, after <paramref name="configure"/> has set the rest (clock, timeouts...).
    /// For tests that call <see cref="AgentOsStore.Open(StoreOptions)"/> themselves, for example to see it fail.
    /// </summary>
    public StoreOptions CreateOptions(Action<StoreOptions>? configure = null)
    {
        var options = new StoreOptions();
        configure?.Invoke(options);
        return Target(options);
    }

    /// <summary>Opens a store on this database, as one more host or process would; disposed with this object.</summary>
    public AgentOsStore Open(Action<StoreOptions>? configure = null) => Track(AgentOsStore.Open(CreateOptions(configure)));

    /// <summary>Opens a store on this database asynchronously, as one more host or process would; disposed with this object.</summary>
    public async Task<AgentOsStore> OpenAsync(Action<StoreOptions>? configure = null, CancellationToken cancellationToken = default) =>
        Track(await AgentOsStore.OpenAsync(CreateOptions(configure), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Opens a plain driver connection outside any store (no pool, none of the store's settings), as an operator's shell would:
    /// to look at rows, or to change them behind the store's back. The caller disposes it.
    /// </summary>
    public abstract Task<DbConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The database's tables, sorted, read without creating anything (a SQLite path with no file has none): to show that a
    /// refused open or a health check left a database as it was.
    /// </summary>
    public abstract Task<List<string>> TablesAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs this provider's start-up health check (it only reads) and returns its report.</summary>
    public abstract Task<StartupHealthReport> CheckHealthAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs this provider's start-up health check in <paramref name="mode"/>, quietly, as a host starting up would.</summary>
    /// <exception cref="StartupHealthCheckException">A check failed in <see cref="HealthCheckMode.Strict"/> mode.</exception>
    public abstract Task<StartupHealthReport> RunHealthCheckAsync(HealthCheckMode mode, CancellationToken cancellationToken = default);

    /// <summary>This provider's <see cref="IHealthCheck"/> for the database, as <c>AddHealthChecks()</c> would register it.</summary>
    public abstract IHealthCheck CreateHealthCheck();

    /// <summary>Runs SQL on an admin connection (see <see cref="OpenAdminConnectionAsync"/>).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads one value on an admin connection, converted to <typeparamref name="T"/>: SQLite's integers and PostgreSQL's
    /// <c>bigint</c>, <c>integer</c> and <c>boolean</c> all read as <c>long</c>, <c>int</c> or <c>bool</c> alike; NULL or no row
    /// reads as <c>default</c>.
    /// </summary>
    public async Task<T?> ScalarAsync<T>(string sql, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull
                ? default
                : value is T typed ? typed : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads the first column of every row on an admin connection, as text.</summary>
    public async Task<List<string?>> ColumnAsync(string sql, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAdminConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var values = new List<string?>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                values.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture));
            }

            return values;
        }
    }

    /// <summary>Disposes every store opened here, then deletes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        AgentOsStore[] opened;
        lock (_opened)
        {
            opened = [.. _opened];
            _opened.Clear();
        }

        foreach (var store in opened)
        {
            store.Dispose();
        }

        await DeleteAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Returns the database's description, for a test's output.</summary>
    public override string ToString() => $"{ProviderName} {ConnectionString}";

    /// <summary>Points <paramref name="options"/> at this database (a file path, or <c>UsePostgreSql</c>) and returns it.</summary>
    protected abstract StoreOptions Target(StoreOptions options);

    /// <summary>Deletes the database once every store on it is closed.</summary>
    protected abstract ValueTask DeleteAsync();

    private AgentOsStore Track(AgentOsStore store)
    {
        lock (_opened)
        {
            _opened.Add(store);
        }

        return store;
    }
}
