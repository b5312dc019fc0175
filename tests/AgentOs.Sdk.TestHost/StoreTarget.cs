using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost;

/// <summary>Opens the store a test names on the command line: a SQLite file path, or a PostgreSQL connection string (<c>Host=...</c>).</summary>
internal static class StoreTarget
{
    public static AgentOsStore Open(string target, StoreOptions? options = null)
    {
        options ??= new StoreOptions();
        return PostgreSqlEndpoint.LooksLikeConnectionString(target)
            // Twenty children connecting at once on a loaded test machine: the server accepts them all, but slower than 5 s.
            ? AgentOsStore.Open(options.UsePostgreSql(target, postgres => postgres.ConnectTimeout = TimeSpan.FromSeconds(60)))
            : AgentOsStore.Open(target, options);
    }
}
