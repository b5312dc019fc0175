using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.PostgreSql;

/// <summary>Points an <see cref="AgentOsStore"/> at a PostgreSQL database.</summary>
public static class PostgreSqlStoreOptionsExtensions
{
    /// <summary>
    /// Makes <see cref="AgentOsStore.Open(StoreOptions)"/> open the PostgreSQL database <paramref name="connectionString"/>
    /// names (<c>Host=...;Database=...;Username=...;Password=...</c>) instead of a SQLite file, migrating it on open.
    /// </summary>
    /// <param name="options">The store options.</param>
    /// <param name="connectionString">An Npgsql connection string; it must name a host and a database.</param>
    /// <param name="configure">Adjusts the PostgreSQL options (clock rule, timeouts, retries).</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string is invalid or names no host or database (checked now, before connecting).</exception>
    public static StoreOptions UsePostgreSql(this StoreOptions options, string connectionString, Action<PostgreSqlStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = PostgreSqlEndpoint.Parse(connectionString);
        var postgres = new PostgreSqlStoreOptions();
        configure?.Invoke(postgres);
        postgres.Validate();
        // StoreOptions.CreateIfMissing means the same on every provider: false refuses a database without the store's tables.
        options.ProviderFactory = settings =>
        {
            var copy = postgres.Clone();
            copy.CreateIfMissing &= settings.CreateIfMissing;
            return new PostgreSqlStoreProvider(connectionString, copy);
        };
        return options;
    }
}
