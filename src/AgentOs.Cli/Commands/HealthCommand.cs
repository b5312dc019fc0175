using System.CommandLine;
using System.Globalization;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.PostgreSql.Health;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOs.Cli.Commands;

/// <summary>
/// <c>agentos health &lt;db&gt; [--mode strict|safe|dev] [--json] [--deep]</c>: runs the start-up health check and prints a table
/// (or the JSON report). <c>db</c> is a SQLite file or a PostgreSQL connection string (<c>Host=...;Database=...</c>).
/// Exit 0 when every check passed, 1 when any failed, whatever the mode: the mode only says what an
/// application starting with it would do.
/// </summary>
internal static class HealthCommand
{
    public static Command Create(CliConsole console)
    {
        var database = new Argument<string>("db")
        {
            Description = "The store's database file, or a PostgreSQL connection string (\"Host=...;Database=...\"). It is only read: never created, migrated or changed.",
        };
        var mode = new Option<string>("--mode")
        {
            Description = "What an application would do on a failure: strict (refuse to start), safe (start with recovery off), dev (warn and go on).",
            DefaultValueFactory = _ => "strict",
            HelpName = "strict|safe|dev",
        };
        mode.AcceptOnlyFromAmong("strict", "safe", "dev");
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (snake_case keys) instead of a table." };
        var deep = new Option<bool>("--deep")
        {
            Description = "Also run PRAGMA quick_check, which reads every page (about 1.2 s per GB). The default check reads a constant amount, whatever the size.",
        };

        var command = new Command("health", "Check that a store is ready for crash recovery: WAL, busy timeout, schema 0.24+, recovery tables, SQLite version; --deep adds an integrity scan.")
        {
            database,
            mode,
            json,
            deep,
        };
        command.SetAction(parsed => Run(
            parsed.GetRequiredValue(database),
            Enum.Parse<HealthCheckMode>(parsed.GetRequiredValue(mode), ignoreCase: true),
            parsed.GetValue(json),
            parsed.GetValue(deep) ? HealthCheckDepth.Deep : HealthCheckDepth.Fast,
            console));
        return command;
    }

    private static int Run(string path, HealthCheckMode mode, bool json, HealthCheckDepth depth, CliConsole console)
    {
        StartupHealthReport report;
        try
        {
            // The command prints the report itself; the null logger keeps Run's own warnings out of the output.
            report = PostgreSqlEndpoint.LooksLikeConnectionString(path)
                ? PostgreSqlHealthCheck.RunAsync(path, mode, verbose: false, NullLogger.Instance).GetAwaiter().GetResult()
                : StartupHealthCheck.Run(path, mode, verbose: false, NullLogger.Instance, depth);
        }
        catch (ArgumentException ex)
        {
            console.WriteError(ex.Message);
            return ExitCodes.Failure;
        }
        catch (StartupHealthCheckException ex) when (ex.Report is not null)
        {
            report = ex.Report;
        }

        if (json)
        {
            console.Out.WriteLine(report.ToJson());
        }
        else
        {
            WriteTable(report, console);
        }

        return report.AllPassed ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static void WriteTable(StartupHealthReport report, CliConsole console)
    {
        var culture = CultureInfo.InvariantCulture;
        var width = Math.Max("CHECK".Length, report.Checks.Max(c => c.Name.Length));
        console.Out.WriteLine($"AgentOs store health: {console.Bold(report.DatabasePath)}");
        console.Out.WriteLine(console.Dim($"  {"CHECK".PadRight(width)}  RESULT  {"TIME",9}  MESSAGE"));
        foreach (var check in report.Checks)
        {
            var result = check.Passed ? console.Green("PASS  ") : console.Red("FAIL  ");
            var time = string.Create(culture, $"{check.Duration.TotalMilliseconds,6:0.00} ms");
            console.Out.WriteLine($"  {check.Name.PadRight(width)}  {result}  {time}  {check.Message}");
        }

        var summary = report.Summary;
        var totals = string.Create(culture, $"{summary.PassedCount} passed, {summary.FailedCount} failed in {report.Duration.TotalMilliseconds:0.00} ms");
        var engine = report.ServerVersion ?? $"SQLite {report.SqliteVersion}";
        var context = report.SchemaVersion is { } schema ? $"{engine}, schema {schema}" : engine;
        var verdict = (summary.AllPassed, report.Mode) switch
        {
            (true, _) => console.Green("healthy: recovery enabled"),
            (false, HealthCheckMode.Strict) => console.Red("unhealthy: strict mode would refuse to start"),
            (false, HealthCheckMode.Safe) => console.Yellow("unhealthy: safe mode would start with recovery disabled"),
            _ => console.Yellow("unhealthy: dev mode would start anyway, with warnings"),
        };
        console.Out.WriteLine($"  {totals} ({context}): {verdict}");
    }
}
