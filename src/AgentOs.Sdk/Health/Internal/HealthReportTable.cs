using System.Globalization;
using System.Text;

namespace AgentOs.Sdk.Health.Internal;

/// <summary>Formats a report as a plain-text table that reads the same in a terminal and in a CI log.</summary>
internal static class HealthReportTable
{
    public static string Format(StartupHealthReport report)
    {
        var nameWidth = Math.Max("CHECK".Length, report.Checks.Count == 0 ? 0 : report.Checks.Max(c => c.Name.Length));
        var builder = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        builder.Append(culture, $"AgentOs start-up health check: {report.DatabasePath}").AppendLine();
        builder.Append(culture, $"  {"CHECK".PadRight(nameWidth)}  RESULT  {"TIME",10}  MESSAGE").AppendLine();
        foreach (var check in report.Checks)
        {
            builder.Append(culture, $"  {check.Name.PadRight(nameWidth)}  {(check.Passed ? "PASS" : "FAIL"),-6}  {FormatDuration(check.Duration),10}  {check.Message}")
                .AppendLine();
        }

        builder.Append(culture, $"  {Verdict(report)}").AppendLine();
        return builder.ToString();
    }

    /// <summary>The closing line: totals, time, and what the application should do.</summary>
    public static string Verdict(StartupHealthReport report)
    {
        var summary = report.Summary;
        var schema = report.SchemaVersion is { } version ? $", schema {version}" : string.Empty;
        var totals = string.Create(
            CultureInfo.InvariantCulture,
            $"{summary.PassedCount} passed, {summary.FailedCount} failed in {FormatDuration(report.Duration)} ({report.ServerVersion ?? "SQLite " + report.SqliteVersion}{schema})");
        var outcome = (summary.AllPassed, report.Mode) switch
        {
            (true, _) => "recovery enabled",
            (false, HealthCheckMode.Strict) => "strict mode: start-up refused",
            (false, HealthCheckMode.Dev) => "dev mode: going on with recovery enabled despite the failures",
            _ => "recovery disabled",
        };
        return $"{totals}; {outcome}";
    }

    public static string FormatDuration(TimeSpan duration) =>
        duration.TotalMilliseconds.ToString("0.00", CultureInfo.InvariantCulture) + " ms";
}
