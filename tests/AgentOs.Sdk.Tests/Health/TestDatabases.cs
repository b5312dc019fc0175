using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>Databases in the states the health check must tell apart, each closed (no pooled connection left) when returned.</summary>
internal static class TestDatabases
{
    public static string HealthyStore(string path, StoreOptions? options = null)
    {
        using (AgentOsStore.Open(path, options))
        {
        }

        SqliteConnection.ClearAllPools();
        return path;
    }

    /// <summary>A store whose newest schema_version row is 0.23: every table exists, but the version says otherwise.</summary>
    public static string StoreAtSchema023(string path)
    {
        HealthyStore(path);
        Execute(path, "DELETE FROM schema_version; INSERT INTO schema_version VALUES ('0.23', 0, 23, 'older', 'x', 0);");
        return path;
    }

    public static string StoreWithoutTable(string path, string table)
    {
        HealthyStore(path);
        Execute(path, $"PRAGMA foreign_keys = OFF; DROP TABLE {table};");
        return path;
    }

    /// <summary>A store with every table, switched back to a rollback journal (journal_mode=DELETE).</summary>
    public static string RollbackJournalStore(string path)
    {
        HealthyStore(path);
        Execute(path, "PRAGMA journal_mode = DELETE;");
        return path;
    }

    /// <summary>A valid SQLite database of some other application: its own table, application_id 0, rollback journal.</summary>
    public static string OtherApplicationDatabase(string path)
    {
        Execute(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada');");
        return path;
    }

    /// <summary>The page number of a table's root and the page size, to corrupt exactly that page.</summary>
    public static (long RootPage, long PageSize) RootPage(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_schema WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", table);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var result = (reader.GetInt64(0), reader.GetInt64(1));
        reader.Close();
        connection.Close();
        SqliteConnection.ClearAllPools();
        return result;
    }

    public static void Execute(string path, string sql)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            ExecuteOn(connection, sql);
        }

        SqliteConnection.ClearAllPools();
    }

    public static void ExecuteOn(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
