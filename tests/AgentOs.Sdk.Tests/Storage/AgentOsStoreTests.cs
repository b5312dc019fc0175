using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Tests.Storage;

public sealed class AgentOsStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Open_creates_the_file_and_its_directory_and_migrates_to_the_current_version()
    {
        var path = _temp.Combine("nested", "dir", "registry.sqlite");

        using var store = AgentOsStore.Open(path);

        Assert.True(File.Exists(path));
        Assert.Equal(Path.GetFullPath(path), store.DatabasePath);
        Assert.Equal(StoreSchema.CurrentVersion, store.SchemaVersion);
        Assert.True(store.SchemaVersion >= StoreSchema.RecoveryTablesVersion);
        using var connection = (SqliteConnection)store.OpenConnection();
        foreach (var table in StoreSchema.RecoveryTables)
        {
            Assert.Equal(1L, Scalar(connection, $"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '{table}'"));
        }
    }

    [Fact]
    public void Connections_are_configured_on_every_open()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"), new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(7) });

        for (var i = 0; i < 3; i++)
        {
            using var connection = (SqliteConnection)store.OpenConnection();
            var settings = StoreSettings.Read((SqliteConnection)connection);
            Assert.Equal("wal", settings.JournalMode);
            Assert.Equal(7000, settings.BusyTimeoutMilliseconds);
            Assert.Equal("full", settings.Synchronous);
            Assert.True(settings.ForeignKeys);
            Assert.Equal(StoreSchema.ApplicationId, settings.ApplicationId);
        }
    }

    [Fact]
    public async Task Async_connections_are_configured_too()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"), new StoreOptions { Synchronous = SynchronousMode.Normal });

        await using var connection = await store.OpenConnectionAsync();

        var settings = StoreSettings.Read((SqliteConnection)connection);
        Assert.Equal("normal", settings.Synchronous);
        Assert.Equal(5000, settings.BusyTimeoutMilliseconds);
    }

    [Fact]
    public void A_driver_connection_the_store_did_not_configure_has_a_different_busy_timeout()
    {
        // Guards the health check's premise: a fresh driver connection must not pass the busy_timeout check by accident.
        var path = _temp.Combine("a.db");
        using (AgentOsStore.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(9) }))
        {
        }

        using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        raw.Open();
        Assert.NotEqual(9000, StoreSettings.Read(raw).BusyTimeoutMilliseconds);
    }

    [Fact]
    public void A_short_busy_timeout_is_refused_unless_asked_for()
    {
        var path = _temp.Combine("a.db");

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AgentOsStore.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromSeconds(1) }));
        Assert.Contains("AllowShortBusyTimeout", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));

        using var store = AgentOsStore.Open(path, new StoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(100), AllowShortBusyTimeout = true });
        Assert.Equal(100, store.ReadSettings().BusyTimeoutMilliseconds);
    }

    [Fact]
    public void A_database_of_another_application_is_refused_and_left_unchanged()
    {
        var path = _temp.Combine("other.db");
        using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            other.Open();
            Execute(other, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        }

        var before = File.ReadAllBytes(path);

        var ex = Assert.Throws<StoreException>(() => AgentOsStore.Open(path));

        Assert.Contains("not an AgentOs store", ex.Message, StringComparison.Ordinal);
        Assert.Equal(path, ex.DatabasePath);
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Random_bytes_are_refused_as_not_a_database()
    {
        var path = _temp.Combine("noise.db");
        var noise = new byte[8192];
        new Random(42).NextBytes(noise);
        File.WriteAllBytes(path, noise);

        var ex = Assert.Throws<StoreException>(() => AgentOsStore.Open(path));

        Assert.Contains("not a SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Equal(noise, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_directory_path_is_an_argument_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => AgentOsStore.Open(_temp.Path));
        Assert.Contains("is a directory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_sequence_numbers_are_unique_per_task()
    {
        using var store = AgentOsStore.Open(_temp.Combine("a.db"));
        using var connection = (SqliteConnection)store.OpenConnection();
        Execute(connection, "INSERT INTO tasks (task_id, created_at_ms, updated_at_ms) VALUES ('t', 0, 0)");
        const string Insert = "INSERT INTO checkpoints (checkpoint_id, task_id, checkpoint_type, sequence_number, snapshot, evidence, created_at_ms) VALUES ('{0}', 't', 'step', 1, '{{}}', '[]', 0)";
        Execute(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, Insert, "c1"));

        var ex = Assert.Throws<SqliteException>(() => Execute(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, Insert, "c2")));
        Assert.Contains("UNIQUE", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_versions_compare_by_number_not_as_text()
    {
        Assert.True(SchemaVersion.Parse("0.9") < SchemaVersion.Parse("0.24"));
        Assert.True(SchemaVersion.Parse("1.0") > SchemaVersion.Parse("0.99"));
        Assert.Equal("0.24", new SchemaVersion(0, 24).ToString());
        Assert.False(SchemaVersion.TryParse("0.", out _));
        Assert.False(SchemaVersion.TryParse("-1.2", out _));
        Assert.False(SchemaVersion.TryParse("v0.24", out _));
        Assert.Throws<FormatException>(() => SchemaVersion.Parse("abc"));
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
