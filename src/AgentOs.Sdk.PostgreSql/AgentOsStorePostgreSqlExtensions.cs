using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql;

/// <summary>What only a store opened with <see cref="PostgreSqlStoreOptionsExtensions.UsePostgreSql"/> can tell.</summary>
public static class AgentOsStorePostgreSqlExtensions
{
    private const string SettingsSql = """
        SELECT current_setting('synchronous_commit'), current_setting('fsync'), current_setting('default_transaction_isolation'),
               current_setting('max_connections')::int, current_schema()
        """;

    /// <summary>Whether the store is a PostgreSQL store.</summary>
    public static bool IsPostgreSql(this AgentOsStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Provider is PostgreSqlStoreProvider;
    }

    /// <summary>Reads the server settings the store's durability rests on, as the store's connections see them.</summary>
    /// <exception cref="InvalidOperationException">The store is not a PostgreSQL store.</exception>
    /// <exception cref="StoreException">The server cannot be reached.</exception>
    public static async Task<PostgreSqlServerSettings> ReadPostgreSqlSettingsAsync(this AgentOsStore store, CancellationToken cancellationToken = default)
    {
        if (!store.IsPostgreSql())
        {
            throw new InvalidOperationException($"The store '{store.Location}' is not a PostgreSQL store.");
        }

        return await store.ReadAsync(
            "read the server settings",
            store.Options.TimeProvider,
            async tx =>
            {
                using var command = tx.CreateCommand(SettingsSql);
                var reader = await tx.ReaderAsync(command).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await tx.ReadAsync(reader).ConfigureAwait(false);
                    return new PostgreSqlServerSettings(
                        ((NpgsqlConnection)tx.Connection).PostgreSqlVersion.ToString(),
                        reader.GetString(0),
                        reader.GetString(1),
                        reader.GetString(2),
                        reader.GetInt32(3),
                        reader.IsDBNull(4) ? "(none)" : reader.GetString(4));
                }
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
