using AgentOs.Sdk.Tests.Shared;
using Npgsql;

namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>The PostgreSQL test server itself: reachable, durable settings as in production, one fresh database per class.</summary>
public sealed class PostgresServerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [PostgresFact, Trait("Provider", "PostgreSql")]
    public async Task ServerAnswersWithItsVersionAndKeepsCommitsDurable()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();

        var version = (string?)await new NpgsqlCommand("SELECT version()", connection).ExecuteScalarAsync();
        Assert.StartsWith("PostgreSQL ", version, StringComparison.Ordinal);
        Assert.True(connection.PostgreSqlVersion.Major >= 15, $"PostgreSQL 15 or newer expected, got {version}");
        // The health check fails a store whose commits may be lost; the test server must not be such a server.
        Assert.Equal("on", (string?)await new NpgsqlCommand("SHOW fsync", connection).ExecuteScalarAsync());
        Assert.Equal("on", (string?)await new NpgsqlCommand("SHOW synchronous_commit", connection).ExecuteScalarAsync());
    }

    [PostgresFact, Trait("Provider", "PostgreSql")]
    public async Task EachDatabaseStartsEmptyAndSeesNoOtherDatabasesTables()
    {
        var other = await database.CreateDatabaseAsync(nameof(PostgresServerTests));
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand("CREATE TABLE only_here (id int PRIMARY KEY); INSERT INTO only_here VALUES (1)", connection).ExecuteNonQueryAsync();
            Assert.Equal(1L, (long?)await new NpgsqlCommand("SELECT count(*) FROM only_here", connection).ExecuteScalarAsync());
        }

        await using var fresh = new NpgsqlConnection(other);
        await fresh.OpenAsync();
        Assert.NotEqual(new NpgsqlConnectionStringBuilder(database.ConnectionString).Database, fresh.Database);
        var tables = (long?)await new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", fresh).ExecuteScalarAsync();
        Assert.Equal(0L, tables);
    }
}
