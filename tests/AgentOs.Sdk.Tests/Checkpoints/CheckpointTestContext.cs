using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>
/// A store on a fresh database (a conformance test's <see cref="StoreUnderTest"/>, or a SQLite file in a temp folder), a
/// fake clock that drives it, a folder for artifacts, and a manager over them.
/// </summary>
internal sealed class CheckpointTestContext : IDisposable
{
    public static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-29T08:00:00.123Z", CultureInfo.InvariantCulture);

    private readonly StoreUnderTest? _database;

    /// <summary>A SQLite store file of its own (for the SQLite-only tests).</summary>
    public CheckpointTestContext(Action<CheckpointManagerOptions>? configure = null, StoreOptions? storeOptions = null)
    {
        Clock = new FakeTimeProvider(Start);
        storeOptions ??= new StoreOptions();
        storeOptions.TimeProvider = Clock;
        Store = AgentOsStore.Open(Temp.Combine("store", "registry.sqlite"), storeOptions);
        StoreDirectory = Path.GetDirectoryName(Store.DatabasePath)!;
        var options = new CheckpointManagerOptions();
        configure?.Invoke(options);
        Manager = new CheckpointManager(Store, options);
    }

    /// <summary>
    /// A store on a conformance test's database (disposed with it). Artifacts live beside a SQLite file, as by default; a
    /// server store has no folder, so the manager's <see cref="CheckpointManagerOptions.BaseDirectory"/> is a temp folder.
    /// </summary>
    public CheckpointTestContext(StoreUnderTest database, Action<CheckpointManagerOptions>? configure = null, Action<StoreOptions>? configureStore = null)
    {
        _database = database;
        Clock = new FakeTimeProvider(Start);
        Store = database.Open(options =>
        {
            configureStore?.Invoke(options);
            options.TimeProvider = Clock;
        });
        var managerOptions = new CheckpointManagerOptions();
        if (database.IsPostgreSql)
        {
            managerOptions.BaseDirectory = Temp.Path;
        }

        configure?.Invoke(managerOptions);
        Manager = new CheckpointManager(Store, managerOptions);
        StoreDirectory = database.IsPostgreSql ? Temp.Path : Path.GetDirectoryName(Store.DatabasePath)!;
    }

    public TempDirectory Temp { get; } = new("agentos-checkpoints-");

    public FakeTimeProvider Clock { get; }

    public AgentOsStore Store { get; }

    public CheckpointManager Manager { get; }

    /// <summary>Where relative artifact paths resolve: the folder of a SQLite database, or the temp folder of a server store.</summary>
    public string StoreDirectory { get; }

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static EvidencePack Passing(string command = "step") => [new CommandExitEvidence(command, 0)];

    public Checkpoint Create(string taskId, string type = "step", EvidencePack? evidence = null, string snapshot = """{"ok":true}""") =>
        Manager.CreateCheckpoint(taskId, type, Json(snapshot), evidence ?? Passing());

    /// <summary>Writes a file under the store folder and returns its path relative to it.</summary>
    public string WriteArtifact(string relativePath, string content = "artifact")
    {
        var full = Path.Combine(StoreDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return relativePath;
    }

    /// <summary>One value read outside the store, as an operator would; integers read as <c>long</c> on every provider.</summary>
    public object? Scalar(string sql)
    {
        if (_database is not null)
        {
            return _database.ScalarAsync<object>(sql).GetAwaiter().GetResult();
        }

        using var connection = (SqliteConnection)Store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Runs SQL outside the store, as an operator would.</summary>
    public void Execute(string sql)
    {
        if (_database is not null)
        {
            _database.ExecuteAsync(sql).GetAwaiter().GetResult();
            return;
        }

        using var connection = (SqliteConnection)Store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Manager.Dispose();
        if (_database is null)
        {
            // A store of its own: close it and its file. A conformance database closes its stores itself.
            Store.Dispose();
            SqliteConnection.ClearAllPools();
        }

        Temp.Dispose();
    }
}
