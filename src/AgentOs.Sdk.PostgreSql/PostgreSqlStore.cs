using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql;

/// <summary>
/// An AgentOs store in a PostgreSQL database, shared by every host that opens it: migrated to the current schema when
/// opened (exactly once, whichever hosts open it at the same moment), with Npgsql's connection pool.
/// </summary>
/// <remarks>
/// Open one store per database per process and share it; it is thread-safe. Disposing it closes its pooled connections.
/// Errors name the store as <see cref="Endpoint"/> (host, port, database, user), never with the password.
/// </remarks>
public sealed class PostgreSqlStore : IAsyncDisposable, IDisposable
{
    private PostgreSqlStore(PostgreSqlDatabase database, SchemaVersion version)
    {
        Database = database;
        SchemaVersion = version;
    }

    /// <summary>The server and database, without secrets.</summary>
    public PostgreSqlEndpoint Endpoint => Database.Endpoint;

    /// <summary>The schema version after migration.</summary>
    public SchemaVersion SchemaVersion { get; }

    /// <summary>The options the store was opened with (a copy).</summary>
    public PostgreSqlStoreOptions Options => Database.Options;

    internal PostgreSqlDatabase Database { get; }

    /// <summary>Connects and applies every pending migration, each in one transaction under an advisory lock.</summary>
    /// <exception cref="ArgumentException">The connection string is invalid or names no host or database.</exception>
    /// <exception cref="StoreException">
    /// The server is unreachable or refused the credentials; the database belongs to another application, was migrated by
    /// a newer build or by a changed script; or it is empty and <see cref="PostgreSqlStoreOptions.CreateIfMissing"/> is false.
    /// </exception>
    public static async Task<PostgreSqlStore> OpenAsync(string connectionString, PostgreSqlStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (database, version) = await PostgreSqlDatabase.OpenAsync(connectionString, options, cancellationToken).ConfigureAwait(false);
        return new PostgreSqlStore(database, version);
    }

    /// <summary>Opens the store synchronously; see <see cref="OpenAsync"/>.</summary>
    public static PostgreSqlStore Open(string connectionString, PostgreSqlStoreOptions? options = null) =>
        OpenAsync(connectionString, options).GetAwaiter().GetResult();

    /// <summary>Opens a pooled connection to the store's database. The caller disposes it.</summary>
    /// <exception cref="StoreException">The server cannot be reached.</exception>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        Database.OpenConnectionAsync(cancellationToken);

    /// <summary>Reads the server settings the store's durability rests on.</summary>
    public async Task<PostgreSqlServerSettings> ReadSettingsAsync(CancellationToken cancellationToken = default)
    {
        var connection = await Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(
                "SELECT current_setting('synchronous_commit'), current_setting('fsync'), current_setting('default_transaction_isolation'), current_setting('max_connections')::int, current_schema()",
                connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return new PostgreSqlServerSettings(
                    connection.PostgreSqlVersion.ToString(),
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetInt32(3),
                    reader.IsDBNull(4) ? "(none)" : reader.GetString(4));
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => Database.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Database.DisposeAsync();

    /// <summary>The endpoint, as errors name the store.</summary>
    public override string ToString() => Endpoint.ToString();
}
