using System.Globalization;
using AgentOs.Sdk.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOs.Sdk.PostgreSql.Health;

/// <summary>
/// The PostgreSQL start-up check as an <see cref="IHealthCheck"/>: <see cref="HealthStatus.Healthy"/> when every check
/// passes, otherwise the registration's <see cref="HealthCheckRegistration.FailureStatus"/>. <see cref="HealthCheckResult.Data"/>
/// holds one <see cref="HealthCheckResultEntry"/> per check plus <c>database_path</c> (the endpoint, without password),
/// <c>postgresql_server_version</c> and <c>database_schema_version</c> when they could be read.
/// </summary>
/// <remarks>Safe to run periodically beside a live store: it only reads, on one unpooled connection of its own.</remarks>
public sealed class PostgreSqlStoreHealthCheck : IHealthCheck
{
    private readonly PostgreSqlHealthCheck _check;

    /// <summary>Creates the health check for the database <paramref name="connectionString"/> names.</summary>
    public PostgreSqlStoreHealthCheck(string connectionString, PostgreSqlHealthCheckOptions? options = null)
    {
        _check = new PostgreSqlHealthCheck(connectionString, options);
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await _check.RunAllChecksAsync(cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["database_path"] = report.DatabasePath };
        if (report.ServerVersion is { } server)
        {
            data["postgresql_server_version"] = server;
        }

        if (report.SchemaVersion is { } schema)
        {
            data["database_schema_version"] = schema.ToString();
        }

        foreach (var check in report.Checks)
        {
            data[check.Name] = check;
        }

        if (report.AllPassed)
        {
            return HealthCheckResult.Healthy(
                string.Create(CultureInfo.InvariantCulture, $"All {report.Checks.Count} checks passed on '{report.DatabasePath}'."),
                data);
        }

        var failed = report.Checks.Where(c => !c.Passed).ToList();
        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"{failed.Count} of {report.Checks.Count} checks failed on '{report.DatabasePath}': {string.Join("; ", failed.Select(c => $"{c.Name}: {c.Message}"))}");
        return new HealthCheckResult(context.Registration?.FailureStatus ?? HealthStatus.Unhealthy, description, exception: null, data);
    }
}
