using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Tests.Storage;

/// <summary>Separate processes, not threads: each has its own SQLite library state, file descriptors and locks.</summary>
public sealed class MultiProcessMigrationTests : IDisposable
{
    private const int Processes = 4;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Several_processes_opening_a_fresh_database_at_once_migrate_it_exactly_once()
    {
        var path = _temp.Combine("fresh.db");
        var children = Enumerable.Range(0, Processes).Select(_ => ChildProcess.StartAssembly(BuiltProgram.TestHost, ["open-store", path])).ToList();
        try
        {
            // Every process is started and waiting before any of them opens the store.
            Assert.All(children, c => Assert.Equal("waiting", c.ReadLine()));
            children.ForEach(c => c.WriteLine("go"));

            foreach (var child in children)
            {
                Assert.Equal($"opened {StoreSchema.CurrentVersion}", child.ReadLine());
                Assert.True(child.WaitForExit() == 0, child.Stderr);
            }
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }

        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(DISTINCT version), (SELECT version FROM schema_version ORDER BY major DESC, minor DESC LIMIT 1) FROM schema_version";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var migrations = typeof(StoreSchema).Assembly.GetManifestResourceNames().Count(n => n.StartsWith("AgentOs.Sdk.Storage.Migrations.", StringComparison.Ordinal));
        Assert.Equal(migrations, reader.GetInt32(0));
        Assert.Equal(migrations, reader.GetInt32(1));
        Assert.Equal(StoreSchema.CurrentVersion.ToString(), reader.GetString(2));
    }
}
