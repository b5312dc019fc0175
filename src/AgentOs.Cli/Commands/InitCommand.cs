using System.CommandLine;
using System.Globalization;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;

namespace AgentOs.Cli.Commands;

/// <summary>
/// <c>agentos init &lt;db&gt;</c>: creates (or opens) a store, applies every migration and prints its settings. <c>db</c> is a
/// SQLite file or a PostgreSQL connection string (the database must exist; its tables are created).
/// </summary>
internal static class InitCommand
{
    public static Command Create(CliConsole console)
    {
        var database = new Argument<string>("db")
        {
            Description = "The database file to create, with its directory if needed, or a PostgreSQL connection string (\"Host=...;Database=...\"); an existing store is migrated.",
        };
        var command = new Command("init", "Create an AgentOs store (or migrate an existing one) and print its version and settings.") { database };
        command.SetAction(parsed => Run(parsed.GetRequiredValue(database), console));
        return command;
    }

    private static int Run(string path, CliConsole console)
    {
        if (PostgreSqlEndpoint.LooksLikeConnectionString(path))
        {
            return RunPostgreSql(path, console);
        }

        var existed = File.Exists(path);
        try
        {
            using var store = AgentOsStore.Open(path);
            var settings = store.ReadSettings();
            var culture = CultureInfo.InvariantCulture;
            console.Out.WriteLine($"{(existed ? "Opened" : "Created")} AgentOs store {console.Bold(store.DatabasePath)}");
            Row("schema", store.SchemaVersion.ToString());
            Row("journal_mode", settings.JournalMode);
            Row("busy_timeout", string.Create(culture, $"{settings.BusyTimeoutMilliseconds} ms"));
            Row("synchronous", settings.Synchronous);
            Row("foreign_keys", settings.ForeignKeys ? "on" : "off");
            Row("page_size", string.Create(culture, $"{settings.PageSize} bytes"));
            Row("application_id", string.Create(culture, $"0x{settings.ApplicationId:X8}"));
            Row("sqlite", settings.SqliteVersion);
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is StoreException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            console.WriteError(ex.Message);
            return ExitCodes.Failure;
        }

        void Row(string name, string value) => console.Out.WriteLine($"  {console.Dim(name.PadRight(15))} {value}");
    }

    private static int RunPostgreSql(string connectionString, CliConsole console)
    {
        try
        {
            using var store = AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString));
            var settings = store.ReadPostgreSqlSettingsAsync().GetAwaiter().GetResult();
            console.Out.WriteLine($"Opened AgentOs store {console.Bold(store.Location)}");
            Row("schema", store.SchemaVersion.ToString());
            Row("postgresql", settings.ServerVersion);
            Row("search_path", settings.Schema);
            Row("synchronous_commit", settings.SynchronousCommit);
            Row("fsync", settings.Fsync);
            Row("isolation", settings.DefaultIsolation);
            Row("max_connections", settings.MaxConnections.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is StoreException or ArgumentException)
        {
            console.WriteError(ex.Message);
            return ExitCodes.Failure;
        }

        void Row(string name, string value) => console.Out.WriteLine($"  {console.Dim(name.PadRight(18))} {value}");
    }
}
