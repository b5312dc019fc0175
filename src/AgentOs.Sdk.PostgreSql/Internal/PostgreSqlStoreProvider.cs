using System.Data;
using System.Data.Common;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Providers;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>
/// The PostgreSQL provider behind an <see cref="AgentOsStore"/>: Npgsql's pool (one <see cref="NpgsqlDataSource"/>),
/// READ COMMITTED write transactions whose statements take row locks, the server's clock for "now", SQLSTATE-based error
/// classification, and migrations under an advisory lock.
/// </summary>
internal sealed class PostgreSqlStoreProvider : StoreProvider
{
    public PostgreSqlStoreProvider(string connectionString, PostgreSqlStoreOptions options)
    {
        Database = PostgreSqlDatabase.Create(connectionString, options);
    }

    public PostgreSqlDatabase Database { get; }

    public override string Name => "postgresql";

    public override string Location => Database.Endpoint.ToString();

    public override StoreDialect Dialect => PostgreSqlDialect.Instance;

    public override bool HasAsyncIo => true;

    public override async ValueTask<DbConnection> OpenConnectionAsync(bool async, CancellationToken cancellationToken)
    {
        try
        {
            return async
                ? await Database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false)
                : Database.DataSource.OpenConnection();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            throw Failure(ex, "connect");
        }
    }

    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, bool async, CancellationToken cancellationToken)
    {
        // READ COMMITTED: every UPDATE re-checks its WHERE on the newest committed row version after waiting for a row
        // lock, which is what the fenced statements rely on; claims add FOR UPDATE SKIP LOCKED (the dialect).
        var npgsql = (NpgsqlConnection)connection;
        return async
            ? await npgsql.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false)
            : npgsql.BeginTransaction(IsolationLevel.ReadCommitted);
    }

    public override async ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, bool async, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        return async
            ? await npgsql.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false)
            : npgsql.BeginTransaction(IsolationLevel.RepeatableRead);
    }

    /// <summary>The clock rule: the server's clock, read once per transaction, unless the store opted into the caller's.</summary>
    public override async ValueTask<long> ReadClockAsync(DbConnection connection, DbTransaction? transaction, TimeProvider clock, bool async, CancellationToken cancellationToken)
    {
        if (!Database.Options.UseServerClock)
        {
            return clock.GetUtcNow().ToUnixTimeMilliseconds();
        }

        return await PostgreSqlDatabase.ServerNowAsync((NpgsqlConnection)connection, (NpgsqlTransaction?)transaction, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>With the server's clock, a unit of work whose SQL reads "now" itself makes no separate clock read.</summary>
    public override bool ClockInStatements => Database.Options.UseServerClock;

    /// <summary>Npgsql sends a command's statements with one Sync: outside a transaction they are one implicit transaction, committed at the Sync.</summary>
    public override bool CommitsBatchesAlone => true;

    public override StoreErrorKind Classify(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgreSqlErrors.SerializationFailure or PostgreSqlErrors.DeadlockDetected } => StoreErrorKind.SerializationFailure,
        PostgresException { SqlState: PostgreSqlErrors.LockNotAvailable } => StoreErrorKind.Busy,
        PostgresException { SqlState: PostgreSqlErrors.UniqueViolation } => StoreErrorKind.UniqueViolation,
        PostgresException { SqlState: "23503" } => StoreErrorKind.ForeignKeyViolation,
        _ when PostgreSqlErrors.Classify(exception) == PostgreSqlErrorKind.ConnectionLost => StoreErrorKind.ConnectionLost,
        _ => StoreErrorKind.Other,
    };

    /// <summary>
    /// The server answered with a shutdown error (the session was terminated, so its open transaction rolled back): a
    /// backend holds off termination while it commits, so a COMMIT it processed would have been acknowledged first.
    /// </summary>
    public override bool EndedBeforeCommit(Exception exception) =>
        exception is PostgresException { SqlState: PostgreSqlErrors.AdminShutdown or PostgreSqlErrors.CrashShutdown or PostgreSqlErrors.CannotConnectNow };

    public override int MaxRetries => Database.Options.MaxRetries;

    public override void ClearPool() => Database.DataSource.Clear();

    public override StoreException Failure(Exception exception, string doing)
    {
        if (Classify(exception) == StoreErrorKind.ConnectionLost)
        {
            // The server went away: every idle connection in the pool died with it; the next call must open fresh ones.
            Database.DataSource.Clear();
        }

        return Database.Failure(exception, doing);
    }

    public override IReadOnlyList<Migration> Migrations => PostgreSqlMigrations.All;

    public override ValueTask EnsureOursAsync(StoreTransaction transaction) => PostgreSqlMigrations.EnsureOursAsync(transaction);

    public override ValueTask LockForMigrationAsync(StoreTransaction transaction) => PostgreSqlMigrations.LockAsync(transaction);

    public override void Dispose()
    {
        Database.Dispose();
        base.Dispose();
    }
}
