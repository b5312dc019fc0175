using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Storage;

/// <summary>The SQLite settings in force on one connection, read back with <c>PRAGMA</c>s (what the health check and the evidence dumps report).</summary>
/// <param name="JournalMode">The journal mode, lowercase (<c>wal</c> for a healthy store).</param>
/// <param name="BusyTimeoutMilliseconds">The busy timeout of this connection.</param>
/// <param name="Synchronous">The synchronous level as SQLite names it (<c>full</c>, <c>normal</c>, <c>off</c>, <c>extra</c>).</param>
/// <param name="ForeignKeys">Whether foreign keys are enforced on this connection.</param>
/// <param name="PageSize">The page size in bytes.</param>
/// <param name="ApplicationId">The database's <c>application_id</c>.</param>
/// <param name="SqliteVersion">The version of the SQLite library in use.</param>
public sealed record StoreSettings(
    string JournalMode,
    int BusyTimeoutMilliseconds,
    string Synchronous,
    bool ForeignKeys,
    int PageSize,
    int ApplicationId,
    string SqliteVersion)
{
    /// <summary>Reads the settings of an open connection.</summary>
    public static StoreSettings Read(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new StoreSettings(
            JournalMode: Convert.ToString(Pragma(connection, "journal_mode"), CultureInfo.InvariantCulture)!.ToLowerInvariant(),
            BusyTimeoutMilliseconds: Convert.ToInt32(Pragma(connection, "busy_timeout"), CultureInfo.InvariantCulture),
            Synchronous: SynchronousName(Convert.ToInt32(Pragma(connection, "synchronous"), CultureInfo.InvariantCulture)),
            ForeignKeys: Convert.ToInt32(Pragma(connection, "foreign_keys"), CultureInfo.InvariantCulture) == 1,
            PageSize: Convert.ToInt32(Pragma(connection, "page_size"), CultureInfo.InvariantCulture),
            ApplicationId: Convert.ToInt32(Pragma(connection, "application_id"), CultureInfo.InvariantCulture),
            SqliteVersion: connection.ServerVersion);
    }

    private static object Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        // The name is one of the constants above, never user input.
        command.CommandText = "PRAGMA " + name;
        return command.ExecuteScalar() ?? throw new InvalidOperationException($"PRAGMA {name} returned nothing.");
    }

    private static string SynchronousName(int level) => level switch
    {
        0 => "off",
        1 => "normal",
        2 => "full",
        3 => "extra",
        _ => level.ToString(CultureInfo.InvariantCulture),
    };
}
