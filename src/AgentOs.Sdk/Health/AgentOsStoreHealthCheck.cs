using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOs.Sdk.Health;

/// <summary>
/// The start-up health check as an <see cref="IHealthCheck"/>: <see cref="HealthStatus.Healthy"/> when every check passes,
/// otherwise the registration's <see cref="HealthCheckRegistration.FailureStatus"/>. <see cref="HealthCheckResult.Data"/>
/// holds one <see cref="HealthCheckResultEntry"/> per check (keyed by check name) plus <c>database_path</c>,
/// <c>sqlite_library_version</c> and, when it could be read, <c>database_schema_version</c>. Register it with <c>AddAgentOsStore</c> from the AgentOs.Sdk.HealthChecks package.
/// </summary>
/// <remarks>
/// Safe to run periodically beside a live store: it reads through SQLite only, read-only, and creates no file. It reads a
/// constant amount by default; for a scheduled integrity scan, register a second check with
/// <see cref="StartupHealthCheckOptions.Depth"/> = <see cref="HealthCheckDepth.Deep"/> (it reads every page: about 1.2 s per GB).
/// </remarks>
public sealed class AgentOsStoreHealthCheck : IHealthCheck
{
    private readonly StartupHealthCheck _check;

    /// <summary>Creates the health check for the database at <paramref name="databasePath"/>.</summary>
    public AgentOsStoreHealthCheck(string databasePath, StartupHealthCheckOptions? options = null)
    {
        _check = new StartupHealthCheck(databasePath, options);
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var report = await _check.RunAllChecksAsync(cancellationToken).ConfigureAwait(false);

        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["database_path"] = report.DatabasePath,
            ["sqlite_library_version"] = report.SqliteVersion,
        };
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
        // The registration decides how bad a failure is (Unhealthy by default, Degraded for an optional store...).
        var status = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        return new HealthCheckResult(status, description, exception: null, data);
    }
}
