using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Health.Internal;

/// <summary>The JSON shape of a <see cref="StartupHealthReport"/>: a contract of its own, so the public type can evolve without changing it.</summary>
internal sealed record HealthReportJson(
    string DatabasePath,
    DateTimeOffset CheckedAt,
    string? Mode,
    bool RecoveryEnabled,
    string SqliteVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ServerVersion,
    string? SchemaVersion,
    double DurationMs,
    IReadOnlyList<HealthCheckJson> Checks,
    HealthSummaryJson Summary)
{
    public static HealthReportJson From(StartupHealthReport report) => new(
        report.DatabasePath,
        report.CheckedAt,
        report.Mode?.ToString().ToLowerInvariant(),
        report.RecoveryEnabled,
        report.SqliteVersion,
        report.ServerVersion,
        report.SchemaVersion?.ToString(),
        Milliseconds(report.Duration),
        [.. report.Checks.Select(c => new HealthCheckJson(c.Name, c.Passed, c.Message, Milliseconds(c.Duration)))],
        new HealthSummaryJson(
            report.Summary.AllPassed,
            report.Summary.PassedCount,
            report.Summary.FailedCount,
            report.Summary.ChecksPassed,
            report.Summary.ChecksFailed));

    // Microseconds are the finest step worth reading; more digits are noise.
    private static double Milliseconds(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 3);
}

/// <summary>One check in the JSON report.</summary>
internal sealed record HealthCheckJson(string Name, bool Passed, string Message, double DurationMs);

/// <summary>The JSON report's <c>summary</c>, in the seed's shape.</summary>
internal sealed record HealthSummaryJson(
    bool AllPassed,
    int PassedCount,
    int FailedCount,
    IReadOnlyList<string> ChecksPassed,
    IReadOnlyList<string> ChecksFailed);

/// <summary>Source-generated serialization: no reflection, so the report serialises under trimming and AOT.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(HealthReportJson))]
internal sealed partial class HealthReportJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context the report is written with: messages quote paths with apostrophes, which the default encoder writes as
    /// <c>\u0027</c>; the JSON goes to files, terminals and logs, never into HTML, so the relaxed encoder keeps it readable.
    /// </summary>
    public static HealthReportJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
