using AgentOs.Sdk.Health.Internal;
using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Health;

/// <summary>
/// Proves at start-up, in about a millisecond, that an AgentOs store is configured as the recovery features need:
/// the file exists, it is in WAL mode, the store's connections wait long enough for locks, the schema is at least 0.24
/// with every recovery table, and, optionally, that it is an AgentOs store, the SQLite library is safe and its directory
/// accepts the <c>-wal</c>/<c>-shm</c> files. It reads the same few pages whatever the store's size; the deep check
/// (<see cref="StartupHealthCheckOptions.Depth"/> = <see cref="HealthCheckDepth.Deep"/>) adds <c>quick_check</c>, which
/// reads every page.
/// </summary>
/// <remarks>
/// <para>The check never creates, migrates or modifies the database, and never creates a file beside it: it opens it
/// read-only, without pooling, and without changing its journal mode. A missing database stays missing.</para>
/// <para>Every check appears in the report, in the order of <see cref="HealthCheckNames"/>. A check whose prerequisite
/// failed (everything after a failed <c>db_exists</c>; every read after the database turned out locked) is reported as
/// failed with a message that starts with "Not run:" and says why. No check throws: each problem is a failed check whose
/// message names the path and the reason. A database locked by another connection is reported as locked after
/// <see cref="StartupHealthCheckOptions.LockTimeout"/>.</para>
/// <para>An instance can be kept and run again, from any thread: each run opens and closes its own connection.</para>
/// </remarks>
public sealed class StartupHealthCheck
{
    private readonly StartupHealthCheckOptions _options;

    /// <summary>Creates a check for the database at <paramref name="databasePath"/>.</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public StartupHealthCheck(string databasePath, StartupHealthCheckOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        DatabasePath = Path.GetFullPath(databasePath);
        _options = (options ?? new StartupHealthCheckOptions()).Clone();
        _options.Validate();
    }

    /// <summary>The full path of the database the check examines.</summary>
    public string DatabasePath { get; }

    /// <summary>Runs every check and returns the report. Never throws for a problem with the database.</summary>
    public StartupHealthReport RunAllChecks() => RunAllChecks(CancellationToken.None);

    /// <summary>Runs every check on the thread pool and returns the report.</summary>
    /// <remarks>SQLite's API is synchronous: the work runs on the thread pool so that the caller's thread is not blocked.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<StartupHealthReport> RunAllChecksAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => RunAllChecks(cancellationToken), cancellationToken);

    /// <summary>
    /// The seed's one-liner: runs every check, prints the report when <paramref name="verbose"/> (through
    /// <paramref name="logger"/> when given, else to the console), and acts on failures as <paramref name="mode"/> says:
    /// <see cref="HealthCheckMode.Strict"/> throws, <see cref="HealthCheckMode.Safe"/> returns a report whose
    /// <see cref="StartupHealthReport.RecoveryEnabled"/> is false, <see cref="HealthCheckMode.Dev"/> warns and goes on.
    /// <paramref name="depth"/> <see cref="HealthCheckDepth.Deep"/> adds <c>quick_check</c> (it reads the whole database).
    /// </summary>
    /// <exception cref="StartupHealthCheckException">A check failed in <see cref="HealthCheckMode.Strict"/> mode; the message lists every failed check.</exception>
    public static StartupHealthReport Run(
        string databasePath,
        HealthCheckMode mode = HealthCheckMode.Strict,
        bool verbose = true,
        ILogger? logger = null,
        HealthCheckDepth depth = HealthCheckDepth.Fast)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown health check mode.");
        }

        var report = new StartupHealthCheck(databasePath, new StartupHealthCheckOptions { Logger = logger, Depth = depth }).RunAllChecks().WithMode(mode);
        if (verbose)
        {
            Print(report, logger);
        }

        if (report.AllPassed)
        {
            return report;
        }

        var failed = report.Checks.Where(c => !c.Passed).ToList();
        if (mode == HealthCheckMode.Strict)
        {
            if (logger is not null)
            {
                HealthCheckLog.StrictFailure(logger, report.DatabasePath, string.Join("; ", failed.Select(c => $"{c.Name}: {c.Message}")));
            }

            throw new StartupHealthCheckException(report);
        }

        var consequence = mode == HealthCheckMode.Dev
            ? "dev mode goes on with recovery enabled"
            : "safe mode turns recovery off";
        foreach (var check in failed)
        {
            if (logger is not null)
            {
                HealthCheckLog.CheckFailed(logger, check.Name, report.DatabasePath, consequence, check.Message);
            }
            else
            {
                Console.Error.WriteLine($"warning: start-up health check {check.Name} failed on {report.DatabasePath}; {consequence}: {check.Message}");
            }
        }

        return report;
    }

    private StartupHealthReport RunAllChecks(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Loads the native library before the clock starts; a library that cannot load fails sqlite_version below.
        var sqliteVersion = Execute(() => CheckOutcome.Pass(HealthCheckRun.LibraryVersion)) is { Passed: true } loaded ? loaded.Message : "unknown";
        var clock = _options.TimeProvider;
        var checkedAt = clock.GetUtcNow();
        var started = clock.GetTimestamp();
        var optional = _options.OptionalChecks;

        using var run = new HealthCheckRun(DatabasePath, _options, cancellationToken);
        (string Name, Func<CheckOutcome> Check, bool Enabled)[] plan =
        [
            (HealthCheckNames.DbExists, run.DbExists, true),
            (HealthCheckNames.WalMode, run.WalMode, true),
            (HealthCheckNames.BusyTimeout, run.BusyTimeout, true),
            (HealthCheckNames.SchemaVersion, run.SchemaVersionCheck, true),
            (HealthCheckNames.RecoveryTables, run.RecoveryTables, true),
            (HealthCheckNames.ApplicationId, run.ApplicationId, optional.HasFlag(OptionalHealthChecks.ApplicationId)),
            (HealthCheckNames.SqliteVersion, HealthCheckRun.SqliteVersion, optional.HasFlag(OptionalHealthChecks.SqliteVersion)),
            // The one check whose cost grows with the data (it reads every page): deep checks only.
            (HealthCheckNames.QuickCheck, run.QuickCheck, optional.HasFlag(OptionalHealthChecks.QuickCheck) && _options.Depth == HealthCheckDepth.Deep),
            (HealthCheckNames.DirectoryWritable, run.DirectoryWritable, optional.HasFlag(OptionalHealthChecks.DirectoryWritable)),
        ];

        var results = new List<HealthCheckResultEntry>(plan.Length);
        foreach (var (name, check, enabled) in plan)
        {
            if (!enabled)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var checkStarted = clock.GetTimestamp();
            var outcome = Execute(check);
            var entry = new HealthCheckResultEntry(name, outcome.Passed, outcome.Message, clock.GetElapsedTime(checkStarted));
            results.Add(entry);
            if (_options.Logger is { } logger)
            {
                HealthCheckLog.CheckCompleted(logger, name, DatabasePath, entry.Passed ? "passed" : "failed", entry.Duration.TotalMilliseconds, entry.Message);
            }
        }

        return new StartupHealthReport(DatabasePath, checkedAt, results, sqliteVersion, run.SchemaVersion, clock.GetElapsedTime(started));
    }

    // The last line of defence for "never an unhandled exception": a check that throws becomes a failed check.
    private CheckOutcome Execute(Func<CheckOutcome> check)
    {
        try
        {
            return check();
        }
        catch (OperationCanceledException)
        {
            throw;
        }
#pragma warning disable CA1031 // A health check reports every failure as a result; rethrowing would be the unhandled exception it must never raise.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return CheckOutcome.Fail($"'{DatabasePath}': the check failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static void Print(StartupHealthReport report, ILogger? logger)
    {
        var table = report.ToTable();
        if (logger is null)
        {
            Console.Out.Write(table);
        }
        else if (report.AllPassed)
        {
            HealthCheckLog.ReportPassed(logger, table);
        }
        else
        {
            HealthCheckLog.ReportFailed(logger, table);
        }
    }
}
