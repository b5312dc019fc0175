using AgentOs.Sdk.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOs.Sdk.Storage;

/// <summary>
/// An AgentOs store: one SQLite database, migrated to the current schema when opened, that hands out connections
/// configured the same way on every open (WAL, busy timeout, synchronous level, foreign keys).
/// </summary>
/// <remarks>
/// Open one store per database per process and share it; it is thread-safe. Each connection it hands out belongs to
/// one caller at a time, as with any ADO.NET connection. Disposing the store releases its pooled connections, so the
/// database file is closed.
/// </remarks>
public sealed class AgentOsStore : IDisposable
{
    private const int SqliteNotADatabase = 26;

    private readonly string _connectionString;
    private readonly StoreConnectionConfiguration _configuration;

    private AgentOsStore(string databasePath, StoreOptions options, string connectionString)
    {
        DatabasePath = databasePath;
        Options = options;
        _connectionString = connectionString;
        _configuration = new StoreConnectionConfiguration(options);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The options the store was opened with (a copy: changing the caller's instance later has no effect).</summary>
    public StoreOptions Options { get; }

    /// <summary>The metrics the store's modules report through (<see cref="AgentOsTelemetry.Default"/> unless a meter factory was given).</summary>
    internal AgentOsTelemetry Telemetry { get; } = AgentOsTelemetry.Default;

    /// <summary>Where the store's modules log their decisions.</summary>
    internal ILogger Logger { get; } = NullLogger.Instance;

    /// <summary>The schema version of the database after migration.</summary>
    public SchemaVersion SchemaVersion { get; private set; }

    /// <summary>
    /// Opens the store at <paramref name="databasePath"/>, creating the file and its directory if needed and applying
    /// every pending migration, each in one transaction with its <c>schema_version</c> row.
    /// </summary>
    /// <exception cref="ArgumentException">The path is empty or names a directory.</exception>
    /// <exception cref="StoreException">
    /// The file is not a SQLite database, belongs to another application, was migrated by a newer build,
    /// cannot use WAL, or does not exist and <see cref="StoreOptions.CreateIfMissing"/> is false.
    /// </exception>
    public static AgentOsStore Open(string databasePath, StoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        if (Directory.Exists(fullPath))
        {
            throw new ArgumentException($"The database path '{fullPath}' is a directory, not a file.", nameof(databasePath));
        }

        var settings = (options ?? new StoreOptions()).Clone();
        settings.Validate();

        if (!File.Exists(fullPath))
        {
            if (!settings.CreateIfMissing)
            {
                throw new StoreException(fullPath, "The database does not exist and CreateIfMissing is false");
            }

            var directory = Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = settings.Pooling,
            // The driver retries a busy statement on its own for this many seconds on top of SQLite's busy timeout:
            // match it (in whole seconds, its unit), so that a busy timeout means what it says.
            DefaultTimeout = (int)Math.Max(1, Math.Ceiling(settings.BusyTimeout.TotalSeconds)),
        }.ToString();

        var store = new AgentOsStore(fullPath, settings, connectionString);
        try
        {
            store.SchemaVersion = MigrationRunner.Migrate(store);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        return store;
    }

    /// <summary>Opens the store asynchronously; see <see cref="Open"/>.</summary>
    /// <remarks>SQLite's API is synchronous: the work runs on the thread pool so that the caller's thread is not blocked.</remarks>
    public static Task<AgentOsStore> OpenAsync(string databasePath, StoreOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Open(databasePath, options), cancellationToken);

    /// <summary>Opens a new connection to the store, configured with the store's settings. The caller disposes it.</summary>
    /// <exception cref="StoreException">The connection cannot be opened or configured.</exception>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Configure(connection);
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw Failure(ex, "open a connection");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens a new connection to the store, configured with the store's settings. The caller disposes it.</summary>
    /// <exception cref="StoreException">The connection cannot be opened or configured.</exception>
    public async ValueTask<SqliteConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            Configure(connection);
            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Failure(ex, "open a connection");
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads the settings in force on a connection this store hands out.</summary>
    public StoreSettings ReadSettings()
    {
        using var connection = OpenConnection();
        return StoreSettings.Read(connection);
    }

    /// <summary>Releases the store's pooled connections, closing the database file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Returns the database path.</summary>
    public override string ToString() => DatabasePath;

    /// <summary>A connection with only the busy timeout set: it reads the file without changing its journal mode.</summary>
    internal SqliteConnection OpenUnconfiguredConnection()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_connectionString) { Pooling = false }.ToString());
        try
        {
            connection.Open();
            _configuration.ApplyBusyTimeout(connection);
            return connection;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw Failure(ex, "open a connection");
        }
    }

    /// <summary>Turns a driver error into a <see cref="StoreException"/> that names the database and what was being done.</summary>
    internal StoreException Failure(SqliteException ex, string doing) =>
        ex.SqliteErrorCode == SqliteNotADatabase
            ? new StoreException(DatabasePath, "The file is not a SQLite database", ex)
            : new StoreException(DatabasePath, $"Cannot {doing}: {ex.Message}", ex);

    // Pooled connections keep their pragmas, but a connection that is new to the pool has none: set them on every open.
    private void Configure(SqliteConnection connection) => _configuration.Apply(connection, switchToWal: true, DatabasePath);
}
