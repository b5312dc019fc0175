using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOs.Sdk.Tests.Health;

/// <summary>
/// The store-level checks every provider's start-up health check makes, with the same names and the same modes: the schema
/// version and the recovery tables, Strict/Safe, and the <see cref="IHealthCheck"/>. Each provider's own checks (WAL and
/// busy_timeout; synchronous_commit, fsync and the role's privileges) are tested beside its provider.
/// </summary>
public abstract class StoreHealthCheckTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    [ConformanceFact]
    public async Task A_migrated_store_passes_every_check_and_reports_its_schema_version()
    {
        var report = await Database.CheckHealthAsync();

        Assert.True(report.AllPassed, report.ToTable());
        Assert.Equal(StoreSchema.CurrentVersion, report.SchemaVersion);
        Assert.Equal(Database.Location, report.DatabasePath);
        Assert.Contains(report.Checks, c => c.Name == HealthCheckNames.SchemaVersion);
        Assert.Contains(report.Checks, c => c.Name == HealthCheckNames.RecoveryTables);
    }

    [ConformanceFact]
    public async Task A_missing_recovery_table_fails_recovery_tables_naming_it_and_the_check_changes_nothing()
    {
        await Database.ExecuteAsync("DROP TABLE task_audits");
        var tables = await Database.TablesAsync();

        var report = await Database.CheckHealthAsync();

        Assert.Contains(HealthCheckNames.RecoveryTables, report.Summary.ChecksFailed);
        Assert.True(report.TryGetCheck(HealthCheckNames.RecoveryTables, out var check));
        Assert.Contains("task_audits", check.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(HealthCheckNames.SchemaVersion, report.Summary.ChecksFailed);
        Assert.Equal(tables, await Database.TablesAsync());
    }

    [ConformanceFact]
    public async Task A_schema_newer_than_this_build_fails_schema_version_with_both_versions_named()
    {
        await Database.ExecuteAsync("INSERT INTO schema_version VALUES ('9.1', 9, 1, 'from the future', 'x', 0)");

        var report = await Database.CheckHealthAsync();

        Assert.Equal([HealthCheckNames.SchemaVersion], report.Summary.ChecksFailed);
        Assert.True(report.TryGetCheck(HealthCheckNames.SchemaVersion, out var check));
        Assert.Contains($"9.1, newer than {StoreSchema.CurrentVersion}", check.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task An_empty_schema_version_table_fails_schema_version()
    {
        await Database.ExecuteAsync("DELETE FROM schema_version");

        var report = await Database.CheckHealthAsync();

        Assert.Contains(HealthCheckNames.SchemaVersion, report.Summary.ChecksFailed);
        Assert.True(report.TryGetCheck(HealthCheckNames.SchemaVersion, out var check));
        Assert.Contains("empty schema_version table", check.Message, StringComparison.Ordinal);
    }

    [ConformanceFact]
    public async Task A_database_that_was_never_migrated_fails_schema_version_and_recovery_tables_and_is_left_empty()
    {
        await using var empty = await Provider.CreateAsync(GetType().Name, empty: true);

        var report = await empty.CheckHealthAsync();

        Assert.False(report.AllPassed);
        Assert.Contains(HealthCheckNames.SchemaVersion, report.Summary.ChecksFailed);
        Assert.Contains(HealthCheckNames.RecoveryTables, report.Summary.ChecksFailed);
        Assert.Empty(await empty.TablesAsync());
    }

    [ConformanceFact]
    public async Task Strict_mode_refuses_to_start_naming_the_failed_check_and_safe_mode_turns_recovery_off()
    {
        await Database.ExecuteAsync("DELETE FROM schema_version");

        var error = await Assert.ThrowsAsync<StartupHealthCheckException>(() => Database.RunHealthCheckAsync(HealthCheckMode.Strict));
        var safe = await Database.RunHealthCheckAsync(HealthCheckMode.Safe);
        await using var other = await Provider.CreateAsync(GetType().Name);
        var healthy = await other.RunHealthCheckAsync(HealthCheckMode.Strict);

        Assert.Contains(HealthCheckNames.SchemaVersion, error.Report!.Summary.ChecksFailed);
        Assert.Contains(HealthCheckNames.SchemaVersion, error.Message, StringComparison.Ordinal);
        Assert.False(safe.RecoveryEnabled);
        Assert.True(healthy.RecoveryEnabled);
    }

    [ConformanceFact]
    public async Task The_IHealthCheck_is_healthy_on_a_good_store_and_reports_the_registrations_failure_status_on_a_bad_one()
    {
        var check = Database.CreateHealthCheck();
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("agentos", check, HealthStatus.Degraded, tags: null) };

        var good = await check.CheckHealthAsync(context);
        await Database.ExecuteAsync("DROP TABLE task_audits");
        var bad = await check.CheckHealthAsync(context);

        Assert.Equal(HealthStatus.Healthy, good.Status);
        Assert.Equal(HealthStatus.Degraded, bad.Status);
        Assert.Contains(HealthCheckNames.RecoveryTables, bad.Description, StringComparison.Ordinal);
        Assert.False(Assert.IsType<HealthCheckResultEntry>(bad.Data[HealthCheckNames.RecoveryTables]).Passed);
    }
}

public sealed class StoreHealthCheckTests_Sqlite(SqliteProvider provider) : StoreHealthCheckTests<SqliteProvider>(provider);

public sealed class StoreHealthCheckTests_PostgreSql(PostgreSqlProvider provider) : StoreHealthCheckTests<PostgreSqlProvider>(provider);
