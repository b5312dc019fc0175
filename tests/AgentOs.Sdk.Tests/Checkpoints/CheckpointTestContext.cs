using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>A fresh store file in a temp folder, a fake clock, and a manager over them.</summary>
internal sealed class CheckpointTestContext : IDisposable
{
    public static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-29T08:00:00.123Z", CultureInfo.InvariantCulture);

    public CheckpointTestContext(Action<CheckpointManagerOptions>? configure = null, StoreOptions? storeOptions = null)
    {
        Clock = new FakeTimeProvider(Start);
        storeOptions ??= new StoreOptions();
        storeOptions.TimeProvider = Clock;
        Store = AgentOsStore.Open(Temp.Combine("store", "registry.sqlite"), storeOptions);
        var options = new CheckpointManagerOptions();
        configure?.Invoke(options);
        Manager = new CheckpointManager(Store, options);
    }

    public TempDirectory Temp { get; } = new("agentos-checkpoints-");

    public FakeTimeProvider Clock { get; }

    public AgentOsStore Store { get; }

    public CheckpointManager Manager { get; }

    /// <summary>The folder of the database: where relative artifact paths resolve by default.</summary>
    public string StoreDirectory => Path.GetDirectoryName(Store.DatabasePath)!;

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

    public object? Scalar(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = (SqliteConnection)Store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteScalar();
    }

    public void Execute(string sql)
    {
        using var connection = (SqliteConnection)Store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Manager.Dispose();
        Store.Dispose();
        SqliteConnection.ClearAllPools();
        Temp.Dispose();
    }
}
