using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.PostgreSql;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// A console mode, not a BenchmarkDotNet class (it measures processes): N worker processes claim and complete M work items
/// through one shared store, PostgreSQL (FOR UPDATE SKIP LOCKED) beside one shared SQLite file (one writer at a time).
/// Each run starts the workers, waits until every one has connected, then times from "go" until the last exits, and
/// checks that every item succeeded on its first attempt (claimed exactly once). Reports each run and the median.
/// <code>
/// dotnet run -c Release --project bench/AgentOs.Sdk.Benchmarks -- queue [--processes 20] [--items 10000] [--runs 3]
/// </code>
/// </summary>
internal static class QueueThroughput
{
    public const string Command = "queue";
    public const string WorkerCommand = "queue-worker";
    private const string Kind = "job";

    public static async Task<int> RunAsync(string[] args)
    {
        var processes = Option(args, "--processes", 20);
        var items = Option(args, "--items", 10_000);
        var runs = Option(args, "--runs", 3);
        var sqlite = new List<double>();
        var postgres = new List<double>();
        await using var server = await BenchPostgres.StartAsync("queue");
        for (var run = 1; run <= runs; run++)
        {
            var directory = Directory.CreateTempSubdirectory("agentos-bench-queue-").FullName;
            try
            {
                var file = Path.Combine(directory, "shared.db");
                using (var store = AgentOsStore.Open(file))
                {
                    new WorkQueue(store).EnqueueRange(Enumerable.Range(0, items).Select(i => new WorkItemRequest(Kind, null)));
                }

                SqliteConnection.ClearAllPools();
                var seconds = await TimeWorkersAsync("sqlite", file, processes);
                Verify(items, CountSqlite(file));
                sqlite.Add(items / seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: SQLite shared file  {processes} processes  {items / seconds,9:0} items/s  ({seconds:0.00} s)"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }

            await ResetPostgresAsync(server.ConnectionString, items);
            var pgSeconds = await TimeWorkersAsync("postgres", server.ConnectionString, processes);
            Verify(items, await CountPostgresAsync(server.ConnectionString));
            postgres.Add(items / pgSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: PostgreSQL         {processes} processes  {items / pgSeconds,9:0} items/s  ({pgSeconds:0.00} s)"));
        }

        var sqliteMedian = Median(sqlite);
        var postgresMedian = Median(postgres);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"median of {runs}: SQLite {sqliteMedian:0} items/s, PostgreSQL {postgresMedian:0} items/s, ratio PostgreSQL/SQLite {postgresMedian / sqliteMedian:0.00}x (goal >= 3x); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        return 0;
    }

    /// <summary>
    /// In a worker process: open the store, say ready, wait for go, then claim and complete until nothing is left. Both
    /// providers run the same public API (<see cref="LeaseManager"/> on an <see cref="AgentOsStore"/>); only how the store
    /// is opened differs.
    /// </summary>
    public static async Task<int> WorkAsync(string provider, string target, string workerId)
    {
        var duration = TimeSpan.FromMinutes(5);
        var postgres = provider != "sqlite";
        // A generous connect timeout: twenty processes starting at once on a small machine can take more than the default 5 s.
        using var store = postgres
            ? AgentOsStore.Open(new StoreOptions().UsePostgreSql(target, o => o.ConnectTimeout = TimeSpan.FromSeconds(60)))
            : AgentOsStore.Open(target);
        var leases = new LeaseManager(store, workerId);
        // Warm one pooled connection before the clock starts, as opening the SQLite file does.
        store.ExecuteWrite(tx => tx.UtcNowMilliseconds);
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        _ = Console.In.ReadLine();
        if (!postgres)
        {
            // SQLite has no asynchronous I/O: the synchronous calls are its fastest path.
            while (leases.TryAcquireNext(Kind, duration) is { } lease)
            {
                leases.Release(lease, success: true, output: workerId);
            }

            return 0;
        }

        while (await leases.TryAcquireNextAsync(Kind, duration) is { } claimed)
        {
            await leases.ReleaseAsync(claimed, success: true, output: workerId);
        }

        return 0;
    }

    private static async Task<double> TimeWorkersAsync(string provider, string target, int count)
    {
        var workers = new List<Process>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
                {
                    start.ArgumentList.Add(typeof(QueueThroughput).Assembly.Location);
                }

                foreach (var a in new[] { WorkerCommand, provider, target, $"worker-{i}" })
                {
                    start.ArgumentList.Add(a);
                }

                workers.Add(Process.Start(start)!);
            }

            foreach (var worker in workers)
            {
                var line = await worker.StandardOutput.ReadLineAsync();
                if (line != "ready")
                {
                    throw new InvalidOperationException($"A {provider} worker did not start (exit {(worker.HasExited ? worker.ExitCode : -1)}).");
                }
            }

            var clock = Stopwatch.StartNew();
            foreach (var worker in workers)
            {
                await worker.StandardInput.WriteLineAsync("go");
                await worker.StandardInput.FlushAsync();
            }

            foreach (var worker in workers)
            {
                await worker.WaitForExitAsync();
                if (worker.ExitCode != 0)
                {
                    throw new InvalidOperationException($"A {provider} worker failed with exit code {worker.ExitCode}.");
                }
            }

            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var worker in workers)
            {
                if (!worker.HasExited)
                {
                    worker.Kill();
                }

                worker.Dispose();
            }
        }
    }

    private static async Task ResetPostgresAsync(string connectionString, int items)
    {
        AgentOsStore.Open(new StoreOptions().UsePostgreSql(connectionString)).Dispose();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"TRUNCATE work_items CASCADE; INSERT INTO work_items (work_item_id, kind, created_at_ms, updated_at_ms) SELECT 'item-' || g, '{Kind}', g, g FROM generate_series(1, {items}) g",
            connection);
        await command.ExecuteNonQueryAsync();
        // VACUUM cannot run inside a multi-statement batch: its own command. Fresh statistics keep the claim on its index.
        await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE work_items", connection);
        await vacuum.ExecuteNonQueryAsync();
    }

    private static (long Succeeded, long FirstAttempt) CountSqlite(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'succeeded' AND attempts = 1) FROM work_items";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<(long Succeeded, long FirstAttempt)> CountPostgresAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FILTER (WHERE status = 'succeeded' AND attempts = 1) FROM work_items", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static void Verify(int items, (long Succeeded, long FirstAttempt) counts)
    {
        if (counts.Succeeded != items || counts.FirstAttempt != items)
        {
            throw new InvalidOperationException($"{counts.Succeeded} of {items} items succeeded, {counts.FirstAttempt} on their first attempt: an item was claimed twice or lost.");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
