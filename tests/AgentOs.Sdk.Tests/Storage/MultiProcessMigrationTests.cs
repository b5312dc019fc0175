using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Storage;

/// <summary>
/// Separate processes, not threads: each has its own driver state, file descriptors, locks and connection pool, as hosts
/// starting at the same moment have (SQLite: one file; PostgreSQL: the advisory lock held for the migration transaction).
/// </summary>
public abstract class MultiProcessMigrationTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private const int Processes = 8;

    protected override bool StartsEmpty => true;

    [ConformanceFact]
    public async Task Eight_processes_opening_a_fresh_database_at_once_migrate_it_exactly_once()
    {
        var children = Enumerable.Range(0, Processes).Select(_ => ChildProcess.StartAssembly(BuiltProgram.TestHost, ["open-store", Database.ConnectionString])).ToList();
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

        // One schema_version row per migration: none was applied twice, none was skipped.
        var migrations = (long)Database.Migrations.Count;
        Assert.Equal(migrations, await Database.ScalarAsync<long>("SELECT count(*) FROM schema_version"));
        Assert.Equal(migrations, await Database.ScalarAsync<long>("SELECT count(DISTINCT version) FROM schema_version"));
        Assert.Equal(StoreSchema.CurrentVersion.ToString(), await Database.ScalarAsync<string>("SELECT version FROM schema_version ORDER BY major DESC, minor DESC LIMIT 1"));
    }
}

public sealed class MultiProcessMigrationTests_Sqlite(SqliteProvider provider) : MultiProcessMigrationTests<SqliteProvider>(provider);

public sealed class MultiProcessMigrationTests_PostgreSql(PostgreSqlProvider provider) : MultiProcessMigrationTests<PostgreSqlProvider>(provider);
