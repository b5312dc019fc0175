using AgentOs.Sdk.Chaos;
using AgentOs.Sdk.PostgreSql.Chaos;
using Npgsql;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.Chaos;

/// <summary>
/// The drills on a real PostgreSQL server, as <c>agentos chaos --store</c> runs them: each drill on fresh databases of the
/// server (created from template0, dropped when it passes), its worker processes (the TestHost, which does not reference the
/// PostgreSQL package) opening the same databases.
/// </summary>
[Trait("Category", "Chaos")]
[Trait("Provider", "PostgreSql")]
[Collection(ChaosScenario.Collection)]
public sealed class PostgreSqlChaosDrills(PostgresDatabase database, ITestOutputHelper output) : ChaosScenario(output), IClassFixture<PostgresDatabase>
{
    /// <summary>The drills whose modules run on PostgreSQL on main today; the others follow as their modules are ported.</summary>
    [PostgresTheory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task The_drill_passes_on_fresh_databases_of_the_server_and_drops_them_after(int number)
    {
        var result = await RunAsync(number, new PostgreSqlChaosStoreProvider(database.ConnectionString));

        Assert.NotEmpty(result.Stores);
        Assert.All(result.Stores, s => Assert.StartsWith("postgresql://agentos@", s, StringComparison.Ordinal));
        var names = result.Stores.Select(s => s[(s.LastIndexOf('/') + 1)..]).ToList();
        Assert.All(names, n => Assert.StartsWith($"agentos_chaos_{number}_", n, StringComparison.Ordinal));
        Assert.Empty(await ExistingAsync(names));
    }

    [PostgresFact]
    public async Task A_role_that_may_not_create_databases_gets_an_error_that_names_it_and_the_server_but_not_the_password()
    {
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("DROP ROLE IF EXISTS chaos_nocreatedb; CREATE ROLE chaos_nocreatedb LOGIN NOCREATEDB PASSWORD 'not-a-secret-4711'", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = "chaos_nocreatedb", Password = "not-a-secret-4711" }.ConnectionString;
        var result = await ChaosDrills.RunAsync(
            ChaosDrills.All.Single(d => d.Number == 3),
            new ChaosDrillOptions { WorkDirectory = Path.Combine(Path.GetTempPath(), "agentos-chaos-nocreatedb"), StoreProvider = new PostgreSqlChaosStoreProvider(connectionString), DumpEvidenceOnFailure = false, Seed = 1 });

        Assert.False(result.Passed);
        Assert.Contains("StoreException", result.Error, StringComparison.Ordinal);
        Assert.Contains("'chaos_nocreatedb' may not create databases", result.Error, StringComparison.Ordinal);
        Assert.Contains("postgresql://chaos_nocreatedb@", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-secret-4711", result.Error, StringComparison.Ordinal);
    }

    private async Task<List<string>> ExistingAsync(IReadOnlyList<string> names)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname = ANY(@names)", connection);
        query.Parameters.AddWithValue("names", names.ToArray());
        var existing = new List<string>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            existing.Add(reader.GetString(0));
        }

        return existing;
    }
}
