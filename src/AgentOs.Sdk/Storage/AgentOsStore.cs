using System.Data.Common;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Storage.Providers;
using AgentOs.Sdk.Storage.Sqlite;
using AgentOs.Sdk.Storage.UnitOfWork;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOs.Sdk.Storage;

/// <summary>
/// An AgentOs store: one database (a SQLite file by default), migrated to the current schema when opened, that hands out
/// connections configured the same way on every open and runs every module's reads and writes through one unit of work.
/// </summary>
/// <remarks>
/// Open one store per database per process and share it; it is thread-safe. Each connection it hands out belongs to
/// one caller at a time, as with any ADO.NET connection. Disposing the store releases its pooled connections, so the
/// database is closed.
/// </remarks>
public sealed partial class AgentOsStore : IDisposable
{
    private readonly StoreConnectionPool _pool;

    private AgentOsStore(StoreProvider provider, StoreOptions options, string databasePath)
    {
        Provider = provider;
        Options = options;
        DatabasePath = databasePath;
        _pool = new StoreConnectionPool(provider, options.TimeProvider);
        _writeGate = provider.SingleWriter ? new SemaphoreSlim(1, 1) : null;
        RetryPolicy = StoreRetryPolicy.For(options, provider.MaxRetries);
        Telemetry = AgentOsTelemetry.Create(options.MeterFactory);
        Logger = options.LoggerFactory?.CreateLogger("AgentOs.Sdk") ?? NullLogger.Instance;
    }

    /// <summary>
    /// The full path of the database file for a SQLite store; for a server store, its <see cref="Location"/>
    /// (host, port and database, never a password).
    /// </summary>
    public string DatabasePath { get; }

    /// <summary>Where the store is, as error messages name it: the file path, or host/port/database for a server store.</summary>
    public string Location => Provider.Location;

    /// <summary>The options the store was opened with (a copy: changing the caller's instance later has no effect).</summary>
    public StoreOptions Options { get; }

    /// <summary>The metrics the store's modules report through (<see cref="AgentOsTelemetry.Default"/> unless a meter factory was given).</summary>
    internal AgentOsTelemetry Telemetry { get; }

    /// <summary>Where the store's modules log their decisions.</summary>
    internal ILogger Logger { get; }

    /// <summary>The schema version of the database after migration.</summary>
    public SchemaVersion SchemaVersion { get; private set; }

    /// <summary>The provider behind the store (SQLite, or one a provider package plugs in through <see cref="StoreOptions"/>).</summary>
    internal StoreProvider Provider { get; }

    /// <summary>
    /// Opens the SQLite store at <paramref name="databasePath"/>, creating the file and its directory if needed and applying
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
        var settings = (options ?? new StoreOptions()).Clone();
        settings.DatabasePath = databasePath;
        return Open(settings);
    }

    /// <summary>
    /// Opens the store <paramref name="options"/> describe: the SQLite file at <see cref="StoreOptions.DatabasePath"/>, or
    /// the database of a provider package (for example <c>AgentOs.Sdk.PostgreSql</c>'s <c>UsePostgreSql</c>), migrated
    /// to the current schema.
    /// </summary>
    /// <exception cref="ArgumentException">Neither a database path nor a provider is set, or the path names a directory.</exception>
    /// <exception cref="StoreException">The database cannot be opened or migrated; the message names it.</exception>
    public static AgentOsStore Open(StoreOptions options) =>
        Synchronously(OpenCoreAsync(options, async: false, CancellationToken.None));

    /// <summary>Opens the SQLite store at <paramref name="databasePath"/> asynchronously; see <see cref="Open(string, StoreOptions?)"/>.</summary>
    /// <remarks>SQLite's API is synchronous: the work runs on the thread pool so that the caller's thread is not blocked.</remarks>
    public static Task<AgentOsStore> OpenAsync(string databasePath, StoreOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Open(databasePath, options), cancellationToken);

    /// <summary>Opens the store <paramref name="options"/> describe, asynchronously; see <see cref="Open(StoreOptions)"/>.</summary>
    public static async Task<AgentOsStore> OpenAsync(StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ProviderFactory is null)
        {
            // SQLite has no asynchronous I/O: keep the blocking open off the caller's thread.
            return await Task.Run(() => Open(options), cancellationToken).ConfigureAwait(false);
        }

        return await OpenCoreAsync(options, async: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a new connection to the store, configured with the store's settings. The caller disposes it.</summary>
    /// <exception cref="StoreException">The connection cannot be opened or configured.</exception>
    public DbConnection OpenConnection() => Synchronously(Provider.OpenConnectionAsync(async: false, CancellationToken.None));

    /// <summary>Opens a new connection to the store, configured with the store's settings. The caller disposes it.</summary>
    /// <exception cref="StoreException">The connection cannot be opened or configured.</exception>
    public ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        Provider.OpenConnectionAsync(Provider.HasAsyncIo, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction of the store and commits it when the work returns; an
    /// exception rolls it back. The transaction's <see cref="StoreTransaction.UtcNow"/> is read once from the store's clock.
    /// </summary>
    /// <remarks>
    /// A transient failure (the database busy, a serialization failure) rolls the transaction back and runs
    /// <paramref name="work"/> again, a few times within the busy timeout: keep side effects outside the database out of it.
    /// Starting another write on this store from inside <paramref name="work"/> is refused with an <see cref="InvalidOperationException"/>.
    /// </remarks>
    /// <exception cref="StoreException">The database could not be written; the message names it.</exception>
    public T ExecuteWrite<T>(Func<StoreTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Write("run a write transaction", Options.TimeProvider, tx => ValueTask.FromResult(work(tx)));
    }

    /// <summary>Asynchronous <see cref="ExecuteWrite{T}(Func{StoreTransaction, T})"/>; truly asynchronous where the provider's driver is.</summary>
    /// <exception cref="StoreException">The database could not be written; the message names it.</exception>
    public async Task<T> ExecuteWriteAsync<T>(Func<StoreTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return await WriteAsync(
            "run a write transaction",
            Options.TimeProvider,
            async tx => await work(tx, tx.CancellationToken).ConfigureAwait(false),
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the SQLite settings in force on a connection this store hands out.</summary>
    /// <exception cref="NotSupportedException">The store is not a SQLite store.</exception>
    public StoreSettings ReadSettings()
    {
        using var connection = OpenConnection();
        return Provider.ReadSettings(connection);
    }

    /// <summary>Releases the store's pooled connections, closing the database.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        Provider.Dispose();
    }

    /// <summary>Returns the store's location.</summary>
    public override string ToString() => Location;

    /// <summary>Turns a driver error into a <see cref="StoreException"/> that names the store and what was being done.</summary>
    internal StoreException Failure(Exception ex, string doing) => Provider.Failure(ex, doing);

    private static async ValueTask<AgentOsStore> OpenCoreAsync(StoreOptions options, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Clone();
        settings.Validate();
        StoreProvider provider;
        string databasePath;
        if (settings.ProviderFactory is { } factory)
        {
            provider = factory(settings);
            databasePath = provider.Location;
        }
        else
        {
            databasePath = PrepareSqliteFile(settings);
            provider = new SqliteStoreProvider(databasePath, settings);
        }

        var store = new AgentOsStore(provider, settings, databasePath);
        try
        {
            store.SchemaVersion = await provider.MigrateAsync(store, async, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        return store;
    }

    private static string PrepareSqliteFile(StoreOptions settings)
    {
        if (string.IsNullOrWhiteSpace(settings.DatabasePath))
        {
            throw new ArgumentException(
                "StoreOptions names no store: set DatabasePath for a SQLite file, or a provider (for example UsePostgreSql from AgentOs.Sdk.PostgreSql).",
                nameof(settings));
        }

        var fullPath = Path.GetFullPath(settings.DatabasePath);
        if (Directory.Exists(fullPath))
        {
            throw new ArgumentException($"The database path '{fullPath}' is a directory, not a file.", nameof(settings));
        }

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

        settings.DatabasePath = fullPath;
        return fullPath;
    }
}
