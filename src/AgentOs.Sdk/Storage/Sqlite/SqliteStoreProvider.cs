using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Storage.Sqlite;

/// <summary>
/// The embedded provider: one SQLite file in WAL mode. Writers are serialized by SQLite's write lock (and queued in
/// process by the store); "now" is the caller's <see cref="TimeProvider"/>, since every writer runs on this machine.
/// </summary>
internal sealed class SqliteStoreProvider : Providers.StoreProvider
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteNotADatabase = 26;
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintForeignKey = 19 | (3 << 8);
    private const int SqliteConstraintPrimaryKey = 19 | (6 << 8);
    private const int SqliteConstraintUnique = 19 | (8 << 8);

    private readonly string _connectionString;
    private readonly StoreConnectionConfiguration _configuration;

    public SqliteStoreProvider(string fullPath, StoreOptions options)
    {
        DatabasePath = fullPath;
        _configuration = new StoreConnectionConfiguration(options);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = options.Pooling,
            // The driver retries a busy statement on its own for this many seconds on top of SQLite's busy timeout:
            // match it (in whole seconds, its unit), so that a busy timeout means what it says.
            DefaultTimeout = (int)Math.Max(1, Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    public override string Name => "sqlite";

    public override string Location => DatabasePath;

    public override bool SingleWriter => true;

    public override ValueTask<DbConnection> OpenConnectionAsync(bool async, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            // Microsoft.Data.Sqlite's OpenAsync runs the same blocking open: call it directly.
            connection.Open();
            // Pooled connections keep their pragmas, but a connection that is new to the pool has none: set them on every open.
            _configuration.Apply(connection, switchToWal: true, DatabasePath);
            return ValueTask.FromResult<DbConnection>(connection);
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

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, bool async, CancellationToken cancellationToken) =>
        // IMMEDIATE takes the write lock up front, so that no read inside the transaction can go stale (and the
        // lock upgrade that SQLite cannot wait for never happens).
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, bool async, CancellationToken cancellationToken) =>
        // DEFERRED: the first read takes a WAL snapshot that the rest of the transaction keeps.
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    public override Providers.StoreErrorKind Classify(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: SqliteNotADatabase } => Providers.StoreErrorKind.NotADatabase,
        SqliteException ex when (ex.SqliteErrorCode & 0xFF) is SqliteBusy or SqliteLocked => Providers.StoreErrorKind.Busy,
        SqliteException { SqliteExtendedErrorCode: SqliteConstraintForeignKey } => Providers.StoreErrorKind.ForeignKeyViolation,
        SqliteException { SqliteExtendedErrorCode: SqliteConstraintPrimaryKey or SqliteConstraintUnique } => Providers.StoreErrorKind.UniqueViolation,
        SqliteException { SqliteErrorCode: SqliteConstraint } => Providers.StoreErrorKind.Other,
        _ => Providers.StoreErrorKind.Other,
    };

    public override StoreException Failure(Exception exception, string doing) =>
        Classify(exception) == Providers.StoreErrorKind.NotADatabase
            ? new StoreException(DatabasePath, "The file is not a SQLite database", exception)
            : new StoreException(DatabasePath, $"Cannot {doing}: {exception.Message}", exception);

    public override IReadOnlyList<Migration> Migrations => Migration.All;

    public override ValueTask<SchemaVersion> MigrateAsync(AgentOsStore store, bool async, CancellationToken cancellationToken)
    {
        // Identify the file on a connection that changes nothing, before the store's own connections switch it to WAL: a
        // database of another application must be refused without being touched.
        try
        {
            using var probe = OpenUnconfiguredConnection();
            EnsureOurs(probe);
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, "migrate the database");
        }

        return base.MigrateAsync(store, async, cancellationToken);
    }

    // Checked once, before the first configured connection opened (MigrateAsync above); the file cannot change owner since.
    public override ValueTask EnsureOursAsync(StoreTransaction transaction) => ValueTask.CompletedTask;

    // The header fields that identify the file as a store (application_id) and its schema without reading a table (user_version).
    public override string AfterMigrationSql(SchemaVersion version) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA application_id = {StoreSchema.ApplicationId}; PRAGMA user_version = {(version.Major * 1000) + version.Minor};");

    public override StoreSettings ReadSettings(DbConnection connection) => StoreSettings.Read((SqliteConnection)connection);

    /// <summary>A connection with only the busy timeout set: it reads the file without changing its journal mode.</summary>
    public SqliteConnection OpenUnconfiguredConnection()
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

    private void EnsureOurs(SqliteConnection connection)
    {
        // One read transaction: another process may finish migrating between the two reads.
        using var snapshot = connection.BeginTransaction(deferred: true);
        var applicationId = Scalar(connection, "PRAGMA application_id");
        if (applicationId == StoreSchema.ApplicationId)
        {
            return;
        }

        if (applicationId != 0)
        {
            throw new StoreException(
                DatabasePath,
                string.Create(CultureInfo.InvariantCulture, $"The database belongs to another application (application_id 0x{applicationId:X8}, expected 0x{StoreSchema.ApplicationId:X8})"));
        }

        var tables = Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        if (tables != 0)
        {
            throw new StoreException(
                DatabasePath,
                string.Create(CultureInfo.InvariantCulture, $"The database has {tables} tables but is not an AgentOs store (application_id is 0)"));
        }

        static long Scalar(SqliteConnection connection, string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Releases the driver's pooled connections to this file, closing it.</summary>
    public override void Dispose()
    {
        using (var connection = new SqliteConnection(_connectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        base.Dispose();
    }
}
