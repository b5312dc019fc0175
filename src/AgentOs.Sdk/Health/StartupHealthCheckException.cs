using System.Globalization;
using System.Text;

namespace AgentOs.Sdk.Health;

/// <summary>
/// The start-up health check failed in <see cref="HealthCheckMode.Strict"/> mode. The message lists every failed check
/// with its reason; <see cref="Report"/> carries the whole report.
/// </summary>
public sealed class StartupHealthCheckException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StartupHealthCheckException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StartupHealthCheckException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StartupHealthCheckException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a report with failed checks; the message lists each of them.</summary>
    public StartupHealthCheckException(StartupHealthReport report)
        : base(Describe(report))
    {
        Report = report;
    }

    /// <summary>The report whose checks failed, when the exception was created from one.</summary>
    public StartupHealthReport? Report { get; }

    private static string Describe(StartupHealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var failed = report.Checks.Where(c => !c.Passed).ToList();
        var builder = new StringBuilder();
        builder.Append(
            CultureInfo.InvariantCulture,
            $"The AgentOs store '{report.DatabasePath}' failed {failed.Count} of {report.Checks.Count} start-up health checks:");
        foreach (var check in failed)
        {
            builder.AppendLine().Append(CultureInfo.InvariantCulture, $"  {check.Name}: {check.Message}");
        }

        return builder.ToString();
    }
}
