using System.Data;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>
/// One PostgreSQL database as an AgentOs store sees it: an <see cref="NpgsqlDataSource"/> (Npgsql's own pool), the
/// endpoint that names it in errors, the clock that judges expiry, and the write-transaction retry policy.
/// </summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable, IDisposable
{
    // Milliseconds since the Unix epoch on the server's clock; clock_timestamp() is the time of the read, not of BEGIN.
    private const string ServerNowSql = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint";

    private PostgreSqlDatabase(PostgreSqlEndpoint endpoint, PostgreSqlStoreOptions options, NpgsqlDataSource dataSource)
    {
        Endpoint = endpoint;
        Options = options;
        DataSource = dataSource;
    }

    public PostgreSqlEndpoint Endpoint { get; }

    public PostgreSqlStoreOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>Creates the data source without connecting; <see cref="OpenAsync"/> also migrates.</summary>
    public static PostgreSqlDatabase Create(string connectionString, PostgreSqlStoreOptions? options = null)
    {
        var endpoint = PostgreSqlEndpoint.Parse(connectionString);
        var settings = (options ?? new PostgreSqlStoreOptions()).Clone();
        settings.Validate();
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.Timeout = Math.Max(1, (int)Math.Ceiling(settings.ConnectTimeout.TotalSeconds));
        builder.ConnectionStringBuilder.CommandTimeout = (int)Math.Ceiling(settings.CommandTimeout.TotalSeconds);
        // The password must never come back out of a connection's ConnectionString.
        builder.ConnectionStringBuilder.PersistSecurityInfo = false;
        builder.ConnectionStringBuilder.ApplicationName ??= "AgentOs.Sdk";
        return new PostgreSqlDatabase(endpoint, settings, builder.Build());
    }

    /// <summary>Connects, then applies every pending migration (each under the advisory lock).</summary>
    public static async Task<(PostgreSqlDatabase Database, SchemaVersion Version)> OpenAsync(
        string connectionString, PostgreSqlStoreOptions? options, CancellationToken cancellationToken)
    {
        var database = Create(connectionString, options);
        try
        {
            var version = await PostgreSqlMigrationRunner.MigrateAsync(database, PostgreSqlMigrations.All, cancellationToken).ConfigureAwait(false);
            return (database, version);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a pooled connection; a failure names the host and database, never the password.</summary>
    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex, "connect");
        }
        catch (TimeoutException ex)
        {
            throw Failure(ex, "connect");
        }
    }

    /// <summary>
    /// The store's "now" in Unix milliseconds for one transaction: the server's clock unless
    /// <see cref="PostgreSqlStoreOptions.UseServerClock"/> is false, then <paramref name="clock"/> (read once per
    /// transaction, so every row it writes agrees).
    /// </summary>
    public async ValueTask<long> NowMillisecondsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, TimeProvider? clock, CancellationToken cancellationToken)
    {
        if (!Options.UseServerClock)
        {
            return (clock ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        }

        await using var command = new NpgsqlCommand(ServerNowSql, connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction with the store's "now", committing at the end. A serialization
    /// failure, deadlock or lost connection rolls it back and runs it again on a fresh connection, up to
    /// <see cref="PostgreSqlStoreOptions.MaxRetries"/> times; any other error reaches the caller as a <see cref="StoreException"/>.
    /// </summary>
    public async Task<T> WriteAsync<T>(
        Func<NpgsqlConnection, NpgsqlTransaction, long, CancellationToken, Task<T>> work,
        string doing,
        IsolationLevel isolation = IsolationLevel.ReadCommitted,
        TimeProvider? clock = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        for (var attempt = 0; ; attempt++)
        {
            var committing = false;
            try
            {
                var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken).ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        var now = await NowMillisecondsAsync(connection, transaction, clock, cancellationToken).ConfigureAwait(false);
                        var result = await work(connection, transaction, now, cancellationToken).ConfigureAwait(false);
                        committing = true;
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                        return result;
                    }
                }
            }
            // A socket lost during COMMIT leaves the outcome unknown: never run that transaction again blindly. A server that
            // answers the COMMIT with a shutdown error (57P01...) terminated the session first, which rolled it back.
            catch (Exception ex) when (attempt < Options.MaxRetries && IsRetryable(ex) && !(committing && IsLost(ex) && Unwrap(ex) is not PostgresException))
            {
                if (PostgreSqlErrors.Classify(Unwrap(ex)) == PostgreSqlErrorKind.ConnectionLost)
                {
                    // Every idle connection in the pool went down with the server: do not hand one of them out again.
                    DataSource.Clear();
                }

                // Bounded backoff: 10, 20, 40... ms, so a restarting server has a moment to come back.
                await Task.Delay(TimeSpan.FromMilliseconds(10 << Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw Failure(ex, doing);
            }
        }
    }

    /// <summary>Turns a driver error into a <see cref="StoreException"/> that names the endpoint and what was being done.</summary>
    public StoreException Failure(Exception ex, string doing)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (ex is StoreException store)
        {
            return store;
        }

        var detail = ex switch
        {
            PostgresException { SqlState: PostgreSqlErrors.InvalidPassword or PostgreSqlErrors.InvalidAuthorization } pg =>
                $"the server refused the credentials ({pg.SqlState}: {pg.MessageText})",
            PostgresException { SqlState: PostgreSqlErrors.InvalidCatalogName } pg =>
                $"the database does not exist ({pg.MessageText}); create it first (CREATE DATABASE)",
            PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
            NpgsqlException { InnerException: { } inner } when PostgreSqlErrors.Classify(ex) == PostgreSqlErrorKind.ConnectionLost =>
                $"the server is unreachable or went away ({inner.Message})",
            _ => ex.Message,
        };
        return new StoreException(Endpoint.ToString(), $"Cannot {doing} on PostgreSQL: {detail}", ex);
    }

    public void Dispose() => DataSource.Dispose();

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private static bool IsRetryable(Exception ex) => PostgreSqlErrors.IsRetryable(Unwrap(ex));

    private static bool IsLost(Exception ex) => PostgreSqlErrors.Classify(Unwrap(ex)) == PostgreSqlErrorKind.ConnectionLost;

    private static Exception Unwrap(Exception ex) => ex is StoreException { InnerException: { } inner } ? inner : ex;
}
