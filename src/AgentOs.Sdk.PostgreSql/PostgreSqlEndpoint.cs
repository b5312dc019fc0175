using System.Globalization;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql;

/// <summary>
/// Where a PostgreSQL store lives, without its secrets: host, port, database and user. Every error and report names a
/// store by this, never by its connection string, so a password can never reach a log.
/// </summary>
public sealed record PostgreSqlEndpoint(string Host, int Port, string Database, string? Username)
{
    /// <summary>Reads the endpoint from a connection string such as <c>Host=db;Database=agents;Username=app;Password=...</c>.</summary>
    /// <exception cref="ArgumentException">The text is not a valid Npgsql connection string, or it names no host or no database.</exception>
    public static PostgreSqlEndpoint Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            // The driver's message quotes the keyword only; the connection string itself (with its password) is never repeated.
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {ex.Message}", nameof(connectionString));
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("The PostgreSQL connection string names no Host.", nameof(connectionString));
        }

        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            throw new ArgumentException(
                $"The PostgreSQL connection string for host '{builder.Host}' names no Database; an AgentOs store needs its own database (or schema).",
                nameof(connectionString));
        }

        return new PostgreSqlEndpoint(builder.Host, builder.Port, builder.Database, builder.Username);
    }

    /// <summary>Whether a text looks like a PostgreSQL connection string rather than a file path (it has <c>Host=</c>).</summary>
    public static bool LooksLikeConnectionString(string? text) =>
        text is not null
        && !File.Exists(text)
        && text.Split(';').Any(part => part.Split('=', 2) is [var key, _]
            && (key.Trim().Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Trim().Equals("Server", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The endpoint as <c>postgresql://user@host:port/database</c> (no password), how errors and reports name the store.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"postgresql://{(string.IsNullOrEmpty(Username) ? string.Empty : Username + "@")}{Host}:{Port}/{Database}");
}
