using AgentOs.Sdk.Checkpoints;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>
/// Checkpoint behaviour that exists on SQLite only: the query plan of SQLite's planner, and the default artifact folder
/// (beside the database file; a server store has no folder). The rest runs on both providers through the conformance suite.
/// </summary>
public sealed class CheckpointSqliteOnlyTests : IDisposable
{
    private readonly CheckpointTestContext _context = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public void The_lookup_is_one_seek_on_the_partial_index()
    {
        using var connection = (SqliteConnection)_context.Store.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + CheckpointSql.SelectLastVerified;
        command.Parameters.AddWithValue("@task", "task");
        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
        {
            plan.Add(reader.GetString(3));
        }

        var step = Assert.Single(plan);
        Assert.Contains("USING INDEX ix_checkpoints_last_verified (task_id=?)", step, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_artifact_paths_resolve_beside_the_database_file_by_default()
    {
        Assert.Equal(Path.GetDirectoryName(_context.Store.DatabasePath), _context.Manager.BaseDirectory);
    }
}
