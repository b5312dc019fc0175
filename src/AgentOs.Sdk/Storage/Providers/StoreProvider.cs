using System.Data.Common;

namespace AgentOs.Sdk.Storage.Providers;

/// <summary>
/// Everything that differs between the databases an <see cref="AgentOsStore"/> can live in: opening a configured
/// connection, beginning a write transaction, the store's clock, classifying errors, the SQL dialect and migrations.
/// The modules never see a provider: they run their SQL through <see cref="AgentOsStore"/>'s unit of work.
/// </summary>
/// <remarks>
/// SQLite's provider lives in the core (<see cref="Sqlite.SqliteStoreProvider"/>); PostgreSQL's lives in
/// <c>AgentOs.Sdk.PostgreSql</c>, which sees these internals, so that the core package never references Npgsql.
/// A provider is thread-safe and owned by one store, which disposes it.
/// </remarks>
internal abstract class StoreProvider : IDisposable
{
    private static readonly StoreDialect PortableDialect = new();

    /// <summary>A short lowercase name for messages and telemetry tags: <c>sqlite</c>, <c>postgresql</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Where the store is, for error messages and reports: a file path, or host/port/database (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>The statements that differ from the portable SQL the modules write.</summary>
    public virtual StoreDialect Dialect => PortableDialect;

    /// <summary>
    /// Whether the driver does real asynchronous I/O. When false (SQLite), the unit of work runs commands synchronously
    /// even on the asynchronous path, because the driver's <c>...Async</c> methods would only wrap the same blocking calls.
    /// </summary>
    public virtual bool HasAsyncIo => false;

    /// <summary>
    /// Whether one writer at a time can hold the database (SQLite). The store then queues its own writers in process,
    /// handing the lock on at once instead of letting SQLite's busy handler sleep between polls.
    /// </summary>
    public virtual bool SingleWriter => false;

    /// <summary>How many idle connections (with their prepared commands) the store keeps. Default 16.</summary>
    public virtual int MaxIdleConnections => 16;

    /// <summary>Opens a new connection configured with the store's settings; the caller disposes it.</summary>
    /// <exception cref="StoreException">The connection cannot be opened or configured.</exception>
    public abstract ValueTask<DbConnection> OpenConnectionAsync(bool async, CancellationToken cancellationToken);

    /// <summary>
    /// Begins a write transaction that holds whatever lock makes a read-then-write inside it safe against other writers
    /// (SQLite: <c>BEGIN IMMEDIATE</c>; PostgreSQL: <c>READ COMMITTED</c> with row locks taken by the statements).
    /// </summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, bool async, CancellationToken cancellationToken);

    /// <summary>Begins a read-only transaction whose reads see one snapshot.</summary>
    public abstract ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, bool async, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves "now" once for a transaction, in Unix milliseconds UTC. The default (and SQLite's rule) is the caller's
    /// <paramref name="clock"/>. A server provider may read the server's clock instead so that every host judges lease
    /// expiry by one clock, keeping <paramref name="clock"/> as an opt-in for tests.
    /// </summary>
    public virtual ValueTask<long> ReadClockAsync(DbConnection connection, DbTransaction? transaction, TimeProvider clock, bool async, CancellationToken cancellationToken) =>
        ValueTask.FromResult(clock.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>
    /// Whether each statement may read "now" on the database itself (<see cref="StoreDialect.TranslateWithStatementClock"/>)
    /// instead of the unit of work reading it once up front: true for a server whose clock judges expiry (PostgreSQL by
    /// default), which saves that read's round trip. False where "now" is the caller's <see cref="TimeProvider"/> (SQLite,
    /// or a server store that opted out of the server's clock): binding it as a parameter costs nothing.
    /// </summary>
    public virtual bool ClockInStatements => false;

    /// <summary>
    /// Whether a batch of statements sent outside an explicit transaction runs as one transaction of its own, committed
    /// (durably) before the driver reports it done: PostgreSQL's implicit transaction, which lasts from the batch's first
    /// statement to its Sync. A unit of work whose whole write is one batch then needs no BEGIN and no COMMIT: one round
    /// trip instead of two (<see cref="AgentOsStore"/>'s batch writes). False by default: SQLite's write transaction begins
    /// with <c>BEGIN IMMEDIATE</c> so that its lock is held before anything is read.
    /// </summary>
    public virtual bool CommitsBatchesAlone => false;

    /// <summary>What an exception thrown by the driver means; <see cref="StoreErrorKind.Other"/> for anything it does not know.</summary>
    public abstract StoreErrorKind Classify(Exception exception);

    /// <summary>Whether a transaction that failed with <paramref name="kind"/> was rolled back and may be run again from the start.</summary>
    public virtual bool IsTransient(StoreErrorKind kind) => kind is StoreErrorKind.Busy or StoreErrorKind.SerializationFailure;

    /// <summary>
    /// Brings the database to the current schema (the same version numbers and <c>schema_version</c> table on every
    /// provider), refusing a database of another application, a newer schema, or a changed script: the
    /// <see cref="SchemaMigrator"/>'s rules, with this provider's scripts and hooks.
    /// </summary>
    public virtual ValueTask<SchemaVersion> MigrateAsync(AgentOsStore store, bool async, CancellationToken cancellationToken) =>
        SchemaMigrator.MigrateAsync(store, async, cancellationToken);

    /// <summary>This provider's migration scripts, oldest first: the same versions on every provider, each in its own SQL.</summary>
    public abstract IReadOnlyList<Migration> Migrations { get; }

    /// <summary>
    /// Refuses, with a <see cref="StoreException"/>, a database that belongs to another application: it runs in the
    /// migrator's read snapshot and again in each migration's transaction, before anything is written.
    /// </summary>
    public abstract ValueTask EnsureOursAsync(StoreTransaction transaction);

    /// <summary>
    /// Takes whatever lock makes hosts that migrate the same database at once queue, held until the migration's
    /// transaction ends. The default takes none: SQLite's write transaction already holds the whole database.
    /// </summary>
    public virtual ValueTask LockForMigrationAsync(StoreTransaction transaction) => ValueTask.CompletedTask;

    /// <summary>SQL run in a migration's transaction after its script and row (SQLite stamps its file header), or null.</summary>
    public virtual string? AfterMigrationSql(SchemaVersion version) => null;

    /// <summary>Reads the settings in force on a connection (what the health check and evidence dumps report).</summary>
    public virtual StoreSettings ReadSettings(DbConnection connection) =>
        throw new NotSupportedException($"The {Name} provider does not report SQLite settings.");

    /// <summary>Turns a driver error into a <see cref="StoreException"/> that names the store and what was being done.</summary>
    public virtual StoreException Failure(Exception exception, string doing) =>
        Classify(exception) == StoreErrorKind.NotADatabase
            ? new StoreException(Location, $"The store is not a {Name} database this SDK can read", exception)
            : new StoreException(Location, $"Cannot {doing}: {exception.Message}", exception);

    /// <summary>
    /// Whether a lost connection reported while COMMIT was being sent proves the transaction was not committed: the server
    /// itself said it ended the session before the COMMIT was processed (PostgreSQL <c>57P01</c>...). A bare socket error
    /// proves nothing, and the default is false: the outcome is unknown.
    /// </summary>
    public virtual bool EndedBeforeCommit(Exception exception) => false;

    /// <summary>How many times the unit of work runs a transaction again after a transient failure or a connection lost before COMMIT. Default 5.</summary>
    public virtual int MaxRetries => 5;

    /// <summary>Drops the driver's idle pooled connections after the server was lost, so that the next open makes a fresh one.</summary>
    public virtual void ClearPool()
    {
    }

    /// <summary>Releases what the provider keeps open (driver pools), so that the database is closed.</summary>
    public virtual void Dispose()
    {
    }
}
