using System.Globalization;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Health.Internal;
using AgentOs.Sdk.Storage;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// The start-up health check (fast, the default) on closed stores of 1 GB and 10 GB, against the floor: opening the same
/// database read-only and running one PRAGMA, the least any check of the file must do. Goal (issue 12): under 10 ms median
/// at both sizes, i.e. a cost that does not grow with the data. The deep check (<c>quick_check</c>, every page) is measured
/// separately with <c>agentos health --deep</c>: at about a second per GB it does not fit a benchmark run.
/// </summary>
/// <remarks>
/// The stores are generated once (large rows in few transactions, <c>synchronous=OFF</c> for the generator only) under
/// <c>AGENTOS_BENCH_DIR</c> or the temp folder in <c>agentos-bench/health-stores/</c>, and kept for the next run, since every
/// benchmark case runs in its own process; delete that folder afterwards. The 10 GB store is skipped, with a message, when
/// the disk has under 25 GB free. <c>AGENTOS_BENCH_HEALTH_SIZES_MB</c> (for example <c>16</c>) replaces the sizes for a dry run.
/// </remarks>
[ShortRunJob]
[MemoryDiagnoser(displayGenColumns: false)]
[MedianColumn]
public class HealthCheckBenchmarks
{
    private const long MiB = 1024 * 1024;
    private const int RowTextLength = 64 * 1024;
    private const int RowsPerTransaction = 512;
    private static readonly long MinimumFreeBytesForTenGb = 25L * 1024 * MiB;

    private string _path = "";
    private StartupHealthCheck _check = null!;

    /// <summary>The store's size in MiB.</summary>
    [ParamsSource(nameof(Sizes))]
    public int SizeMb { get; set; }

    /// <summary>1 GB and 10 GB (10 GB only with 25 GB free, or already generated), or the sizes in <c>AGENTOS_BENCH_HEALTH_SIZES_MB</c>.</summary>
    public static IEnumerable<int> Sizes()
    {
        if (Environment.GetEnvironmentVariable("AGENTOS_BENCH_HEALTH_SIZES_MB") is { Length: > 0 } sizes)
        {
            return sizes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        }

        const int tenGb = 10 * 1024;
        var directory = StoreDirectory();
        var free = new DriveInfo(directory).AvailableFreeSpace;
        if (File.Exists(StorePath(tenGb) + ".complete") || free >= MinimumFreeBytesForTenGb)
        {
            return [1024, tenGb];
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"// HealthCheckBenchmarks: skipping the 10 GB store: {free / MiB} MiB free under '{directory}', it needs 25 GB. Set AGENTOS_BENCH_DIR to a larger disk."));
        return [1024];
    }

    [GlobalSetup]
    public void Setup()
    {
        _path = EnsureStore(SizeMb);
        _check = new StartupHealthCheck(_path);
        var report = _check.RunAllChecks();
        if (!report.AllPassed || File.Exists(_path + "-wal"))
        {
            throw new InvalidOperationException("The benchmark store is not a healthy closed store: " + report.ToTable());
        }
    }

    [Benchmark(Baseline = true, Description = "open read-only + one PRAGMA")]
    public long OpenAndOnePragma()
    {
        // Immutable, as the check opens a closed WAL store: a plain read-only open would leave -wal and -shm files behind,
        // and the check would then take its slower live-store path in every later iteration.
        using var connection = new SqliteConnection($"Data Source={HealthCheckRun.SqliteUri(_path, "immutable=1")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    [Benchmark(Description = "start-up check (fast, 8 checks)")]
    public bool StartupCheck() => _check.RunAllChecks().AllPassed;

    /// <summary>Generates (once) a healthy, closed store of about <paramref name="sizeMb"/> MiB and returns its path.</summary>
    private static string EnsureStore(int sizeMb)
    {
        var path = StorePath(sizeMb);
        var done = path + ".complete";
        if (File.Exists(done) && File.Exists(path))
        {
            return path;
        }

        var bytes = sizeMb * MiB;
        File.Delete(done);
        foreach (var stale in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(stale);
        }

        Console.WriteLine($"// generating a {sizeMb} MiB store at {path} (once; kept for later runs)");
        using (AgentOsStore.Open(path))
        {
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "PRAGMA synchronous = OFF"); // the generator only: the data is thrown away if it crashes
            Execute(connection, "INSERT INTO tasks (task_id, status, created_at_ms, updated_at_ms) VALUES ('bench', 'running', 0, 0)");
            var rows = bytes / RowTextLength;
            for (long written = 0; written < rows; written += RowsPerTransaction)
            {
                var batch = Math.Min(RowsPerTransaction, rows - written);
                using var transaction = connection.BeginTransaction();
                // hex(randomblob(n)) is 2n characters of incompressible text: the table's TEXT payload column is STRICT.
                Execute(connection, string.Create(
                    CultureInfo.InvariantCulture,
                    $"""
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {batch})
                    INSERT INTO task_audits (task_id, event_type, level, payload, created_at_ms)
                    SELECT 'bench', 'bench.row', 'info', hex(randomblob({RowTextLength / 2})), i FROM n
                    """),
                    transaction);
                transaction.Commit();
            }

            // Fold the WAL into the database so that the check sees a closed store, as at start-up.
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }

        SqliteConnection.ClearAllPools();
        File.WriteAllText(done, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        return path;
    }

    private static string StoreDirectory()
    {
        var root = Environment.GetEnvironmentVariable("AGENTOS_BENCH_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "agentos-bench");
        return Directory.CreateDirectory(Path.Combine(root, "health-stores")).FullName;
    }

    private static string StorePath(int sizeMb) =>
        Path.Combine(StoreDirectory(), string.Create(CultureInfo.InvariantCulture, $"store-{sizeMb}mb.sqlite"));

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
