using System.Data.Common;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>
/// One PostgreSQL database as an AgentOs store sees it: an <see cref="NpgsqlDataSource"/> (Npgsql's own pool) and the
/// endpoint that names it in errors. Transactions, retries and the clock rule are the store's unit of work
/// (<see cref="PostgreSqlStoreProvider"/>); this class only opens connections and words errors.
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

    /// <summary>Creates the data source without connecting.</summary>
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
        // The store's hot writes run as one batch outside BEGIN (PostgreSQL's implicit transaction, which takes the session's
        // default isolation): pin it to READ COMMITTED, as the explicit ones are, whatever the database or role default
        // (a startup option outranks ALTER DATABASE/ROLE ... SET). Multiplexing would interleave other callers' commands
        // with a batch waiting for a row lock: off.
        builder.ConnectionStringBuilder.Options = string.Join(' ', new[] { builder.ConnectionStringBuilder.Options, @"-c default_transaction_isolation=read\ committed" }.Where(o => !string.IsNullOrWhiteSpace(o)));
        builder.ConnectionStringBuilder.Multiplexing = false;
        if (!SetsMaxAutoPrepare(connectionString))
        {
            // The store runs a handful of statements over and over (claim, release, renew, checkpoint...): let the server
            // parse and plan each once per connection instead of on every call. "Max Auto Prepare=0" in the connection
            // string turns it off (for a pooler in transaction mode that cannot keep prepared statements).
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        return new PostgreSqlDatabase(endpoint, settings, builder.Build());
    }

    // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword exists, not whether the string sets it: read the
    // string's own keys (Npgsql matches them without case and spaces).
    private static bool SetsMaxAutoPrepare(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", string.Empty, StringComparison.Ordinal), "MaxAutoPrepare", StringComparison.OrdinalIgnoreCase));

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

    /// <summary>The server's clock in Unix milliseconds (what the migration runner records as the time a script was applied).</summary>
    public static async ValueTask<long> ServerNowAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool async, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(ServerNowSql, connection, transaction);
        return (long)(async ? await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteScalar())!;
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

}
