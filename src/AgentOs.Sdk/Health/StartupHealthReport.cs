using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Health.Internal;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Health;

/// <summary>
/// What <see cref="StartupHealthCheck"/> found: every check in order with its result, message and duration, and a summary.
/// <see cref="ToJson"/> writes it with the seed's snake_case keys (<c>summary</c>, <c>passed_count</c>...); <see cref="ToTable"/> as a table for people.
/// </summary>
public sealed class StartupHealthReport
{
    internal StartupHealthReport(
        string databasePath,
        DateTimeOffset checkedAt,
        IReadOnlyList<HealthCheckResultEntry> checks,
        string sqliteVersion,
        SchemaVersion? schemaVersion,
        TimeSpan duration,
        HealthCheckMode? mode = null,
        string? serverVersion = null)
    {
        ServerVersion = serverVersion;
        DatabasePath = databasePath;
        CheckedAt = checkedAt;
        Checks = checks;
        SqliteVersion = sqliteVersion;
        SchemaVersion = schemaVersion;
        Duration = duration;
        Mode = mode;
        Summary = new StartupHealthSummary(checks);
        // Dev mode goes on as if everything passed; every other mode turns recovery off when anything failed.
        RecoveryEnabled = Summary.AllPassed || mode == HealthCheckMode.Dev;
    }

    /// <summary>The full path of the database that was checked.</summary>
    public string DatabasePath { get; }

    /// <summary>When the check ran.</summary>
    public DateTimeOffset CheckedAt { get; }

    /// <summary>Every check that ran, in order. A check that could not run is here too, as failed, with the reason.</summary>
    public IReadOnlyList<HealthCheckResultEntry> Checks { get; }

    /// <summary>The totals: whether all passed, how many passed and failed, and their names.</summary>
    public StartupHealthSummary Summary { get; }

    /// <summary>Whether every check passed (the same as <see cref="StartupHealthSummary.AllPassed"/>).</summary>
    public bool AllPassed => Summary.AllPassed;

    /// <summary>
    /// Whether the application may turn its recovery features on: true when every check passed, and in
    /// <see cref="HealthCheckMode.Dev"/> mode; false in <see cref="HealthCheckMode.Safe"/> mode (or without a mode) when any check failed.
    /// </summary>
    public bool RecoveryEnabled { get; }

    /// <summary>The mode <see cref="StartupHealthCheck.Run"/> ran in, or null for <see cref="StartupHealthCheck.RunAllChecks()"/>.</summary>
    public HealthCheckMode? Mode { get; }

    /// <summary>The version of the SQLite library this process runs, such as <c>3.53.3</c>.</summary>
    public string SqliteVersion { get; }

    /// <summary>
    /// The database server's product and version for a server store, such as <c>PostgreSQL 15.18</c>; null for a SQLite
    /// store, whose engine is the library in this process (<see cref="SqliteVersion"/>).
    /// </summary>
    public string? ServerVersion { get; }

    /// <summary>The newest schema version applied to the database, or null when it could not be read.</summary>
    public SchemaVersion? SchemaVersion { get; }

    /// <summary>How long all the checks took together.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Finds the result of the check named <paramref name="name"/> (one of <see cref="HealthCheckNames"/>).</summary>
    public bool TryGetCheck(string name, [MaybeNullWhen(false)] out HealthCheckResultEntry entry)
    {
        entry = Checks.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
        return entry is not null;
    }

    /// <summary>
    /// The report as indented JSON with snake_case keys: <c>database_path</c>, <c>checked_at</c>, <c>mode</c>, <c>recovery_enabled</c>,
    /// <c>sqlite_version</c>, <c>server_version</c> (server stores only), <c>schema_version</c>, <c>duration_ms</c>, <c>checks</c> (each <c>name</c>, <c>passed</c>, <c>message</c>,
    /// <c>duration_ms</c>) and <c>summary</c> (<c>all_passed</c>, <c>passed_count</c>, <c>failed_count</c>, <c>checks_passed</c>, <c>checks_failed</c>).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(HealthReportJson.From(this), HealthReportJsonContext.Readable.HealthReportJson);

    /// <summary>The report as a plain-text table, one line per check, for a terminal or a log.</summary>
    public string ToTable() => HealthReportTable.Format(this);

    /// <summary>A one-line summary, such as <c>9 passed, 0 failed: /path/registry.sqlite</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Summary.PassedCount} passed, {Summary.FailedCount} failed: {DatabasePath}");

    internal StartupHealthReport WithMode(HealthCheckMode mode) =>
        new(DatabasePath, CheckedAt, Checks, SqliteVersion, SchemaVersion, Duration, mode, ServerVersion);
}
