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
/// checks that every item succeeded on its first attempt (claimed exactly once). Reports each run and the median, and
/// where the CPU went (a <c>cpu:</c> line per run): the workers' own CPU from "go" to their exit, and for PostgreSQL the
/// server's (when this run started the server: its postmaster and every child, read from /proc), its commits, and its WAL
/// flushes. Measuring changes nothing in the workload. A third arm is the floor of the job on PostgreSQL: the same processes
/// run the two durable steps per item (claim the oldest pending item with <c>FOR UPDATE SKIP LOCKED</c>, then mark it done)
/// as bare prepared Npgsql statements, each its own one-round-trip transaction, with none of the SDK's extras (no fencing
/// check, no expired-lease branch, no server clock, no store): what PostgreSQL on this machine can do at all.
/// <code>
/// dotnet run -c Release --project bench/AgentOs.Sdk.Benchmarks -- queue [--processes 20] [--items 10000] [--runs 3]
/// </code>
/// </summary>
internal static class QueueThroughput
{
    public const string Command = "queue";
    public const string WorkerCommand = "queue-worker";
    private const string Kind = "job";
    private const string FloorProvider = "postgres-floor";

    public static async Task<int> RunAsync(string[] args)
    {
        var processes = Option(args, "--processes", 20);
        var items = Option(args, "--items", 10_000);
        var runs = Option(args, "--runs", 3);
        var sqlite = new List<double>();
        var postgres = new List<double>();
        var floor = new List<double>();
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
                var (seconds, clientCpu, _, _) = await TimeWorkersAsync("sqlite", file, processes, sample: null);
                Verify(items, CountSqlite(file));
                sqlite.Add(items / seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: SQLite shared file  {processes} processes  {items / seconds,9:0} items/s  ({seconds:0.00} s)"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cpu: clients {clientCpu.TotalMicroseconds / items:0} us/item ({clientCpu.TotalSeconds / seconds:0.00} cores busy)"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }

            await ResetPostgresAsync(server.ConnectionString, items);
            var (pgSeconds, pgClientCpu, atGo, atEnd) = await TimeWorkersAsync("postgres", server.ConnectionString, processes, () => SampleServerAsync(server));
            Verify(items, await CountPostgresAsync(server.ConnectionString));
            postgres.Add(items / pgSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: PostgreSQL         {processes} processes  {items / pgSeconds,9:0} items/s  ({pgSeconds:0.00} s)"));
            Console.WriteLine(DescribeCpu(items, pgSeconds, pgClientCpu, atGo!, atEnd!));

            await ResetPostgresAsync(server.ConnectionString, items);
            var (floorSeconds, floorClientCpu, floorAtGo, floorAtEnd) = await TimeWorkersAsync(FloorProvider, server.ConnectionString, processes, () => SampleServerAsync(server));
            Verify(items, await CountPostgresAsync(server.ConnectionString));
            floor.Add(items / floorSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run}: PostgreSQL floor   {processes} processes  {items / floorSeconds,9:0} items/s  ({floorSeconds:0.00} s)"));
            Console.WriteLine(DescribeCpu(items, floorSeconds, floorClientCpu, floorAtGo!, floorAtEnd!));
        }

        var sqliteMedian = Median(sqlite);
        var postgresMedian = Median(postgres);
        var floorMedian = Median(floor);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"median of {runs}: SQLite {sqliteMedian:0} items/s, PostgreSQL {postgresMedian:0} items/s, ratio PostgreSQL/SQLite {postgresMedian / sqliteMedian:0.00}x (goal >= 3x); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"PostgreSQL floor (bare statements) {floorMedian:0} items/s = {floorMedian / sqliteMedian:0.00}x SQLite; the SDK on PostgreSQL reaches {postgresMedian / floorMedian:0.00} of its floor"));
        return 0;
    }

    /// <summary>
    /// In a worker process: open the store, say ready, wait for go, then claim and complete until nothing is left. Both
    /// providers run the same public API (<see cref="LeaseManager"/> on an <see cref="AgentOsStore"/>); only how the store
    /// is opened differs.
    /// </summary>
    public static async Task<int> WorkAsync(string provider, string target, string workerId)
    {
        if (provider == FloorProvider)
        {
            return await WorkOnTheFloorAsync(target, workerId);
        }

        var duration = TimeSpan.FromMinutes(5);
        var postgres = provider != "sqlite";
        // A generous connect timeout: twenty processes starting at once on a small machine can take more than the default 5 s.
        using var store = postgres
            ? AgentOsStore.Open(new StoreOptions().UsePostgreSql(target, o => o.ConnectTimeout = TimeSpan.FromSeconds(60)))
            : AgentOsStore.Open(target);
        var leases = new LeaseManager(store, workerId);
        // Warm one pooled connection before the clock starts, as opening the SQLite file does.
        store.ExecuteWrite(tx => tx.UtcNowMilliseconds);
        return await DrainOnGoAsync(async () =>
        {
            if (!postgres)
            {
                // SQLite has no asynchronous I/O: the synchronous calls are its fastest path.
                while (leases.TryAcquireNext(Kind, duration) is { } lease)
                {
                    leases.Release(lease, success: true, output: workerId);
                }
            }
            else
            {
                while (await leases.TryAcquireNextAsync(Kind, duration) is { } claimed)
                {
                    await leases.ReleaseAsync(claimed, success: true, output: workerId);
                }
            }
        });
    }

    /// <summary>
    /// The floor's worker: the job's two durable steps per item as bare prepared statements on one held connection, each an
    /// implicit one-statement transaction (one round trip, durable when it returns with <c>synchronous_commit=on</c>).
    /// </summary>
    private static async Task<int> WorkOnTheFloorAsync(string target, string workerId)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(target) { Timeout = 60 }.ConnectionString);
        await connection.OpenAsync();
        await using var claim = new NpgsqlCommand(
            $"""
            UPDATE work_items
            SET status = 'leased', lease_holder = @holder, lease_epoch = lease_epoch + 1, lease_acquired_at_ms = @now,
                lease_expires_at_ms = @now + 300000, heartbeat_at_ms = @now, attempts = attempts + 1, updated_at_ms = @now
            WHERE work_item_id = (SELECT work_item_id FROM work_items WHERE status = 'pending' AND kind = '{Kind}'
                                  ORDER BY created_at_ms LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING work_item_id
            """,
            connection);
        claim.Parameters.Add(new NpgsqlParameter<string>("holder", workerId));
        var claimNow = claim.Parameters.Add(new NpgsqlParameter<long>("now", 0L));
        await claim.PrepareAsync();
        await using var done = new NpgsqlCommand(
            """
            UPDATE work_items
            SET status = 'succeeded', output = @holder, lease_holder = NULL, lease_expires_at_ms = NULL, completed_at_ms = @now, updated_at_ms = @now
            WHERE work_item_id = @id
            """,
            connection);
        done.Parameters.Add(new NpgsqlParameter<string>("holder", workerId));
        var doneNow = done.Parameters.Add(new NpgsqlParameter<long>("now", 0L));
        var doneId = done.Parameters.Add(new NpgsqlParameter<string>("id", string.Empty));
        await done.PrepareAsync();
        return await DrainOnGoAsync(async () =>
        {
            while (true)
            {
                claimNow.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                if (await claim.ExecuteScalarAsync() is not string id)
                {
                    break;
                }

                doneNow.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                doneId.Value = id;
                await done.ExecuteNonQueryAsync();
            }
        });
    }

    /// <summary>
    /// A worker's side of the run: says "ready" (connected), waits for "go", drains the queue, then reports the CPU it used
    /// from "go" to the end, for the run's cpu line.
    /// </summary>
    private static async Task<int> DrainOnGoAsync(Func<Task> drain)
    {
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        _ = Console.In.ReadLine();
        using var self = Process.GetCurrentProcess();
        var cpuAtGo = self.TotalProcessorTime;
        await drain();
        self.Refresh();
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu {(self.TotalProcessorTime - cpuAtGo).Ticks}"));
        Console.Out.Flush();
        return 0;
    }

    private static async Task<(double Seconds, TimeSpan ClientCpu, ServerSample? AtGo, ServerSample? AtEnd)> TimeWorkersAsync(
        string provider, string target, int count, Func<Task<ServerSample>>? sample)
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

            var atGo = sample is null ? null : await sample();
            var clock = Stopwatch.StartNew();
            foreach (var worker in workers)
            {
                await worker.StandardInput.WriteLineAsync("go");
                await worker.StandardInput.FlushAsync();
            }

            var clientCpu = TimeSpan.Zero;
            foreach (var worker in workers)
            {
                var cpuLine = await worker.StandardOutput.ReadLineAsync();
                await worker.WaitForExitAsync();
                if (worker.ExitCode != 0 || cpuLine is null || !cpuLine.StartsWith("cpu ", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"A {provider} worker failed with exit code {worker.ExitCode}.");
                }

                clientCpu += TimeSpan.FromTicks(long.Parse(cpuLine.AsSpan(4), CultureInfo.InvariantCulture));
            }

            var seconds = clock.Elapsed.TotalSeconds;
            // The server's backends report their statistics when they end, and the postmaster reaps them: give both a moment.
            ServerSample? atEnd = null;
            if (sample is not null)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                atEnd = await sample();
            }

            return (seconds, clientCpu, atGo, atEnd);
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

    /// <summary>The server's CPU so far (null when it is not this run's own server), its commits and its WAL flushes.</summary>
    private sealed record ServerSample(TimeSpan? Cpu, long Commits, long? WalSyncs);

    private static async Task<ServerSample> SampleServerAsync(BenchPostgres server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var commits = new NpgsqlCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        var committed = (long)(await commits.ExecuteScalarAsync())!;
        long? syncs = null;
        try
        {
            // pg_stat_wal exists from PostgreSQL 14.
            await using var wal = new NpgsqlCommand("SELECT wal_sync FROM pg_stat_wal", connection);
            syncs = (long)(await wal.ExecuteScalarAsync())!;
        }
        catch (PostgresException)
        {
        }

        return new ServerSample(server.ServerProcessId is { } pid ? ProcessTreeCpu(pid) : null, committed, syncs);
    }

    /// <summary>CPU used by a process, its reaped children, and its live children (a postmaster: every backend and helper).</summary>
    private static TimeSpan? ProcessTreeCpu(int pid)
    {
        // /proc/<pid>/stat after the command's closing parenthesis: state, ppid, ..., utime (11), stime, cutime, cstime (14),
        // in clock ticks of 1/100 s (USER_HZ on Linux).
        static string[]? Stat(string pid)
        {
            try
            {
                var text = File.ReadAllText($"/proc/{pid}/stat");
                return text[(text.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (IOException)
            {
                return null;
            }
        }

        var own = Stat(pid.ToString(CultureInfo.InvariantCulture));
        if (own is null)
        {
            return null;
        }

        var ticks = own[11..15].Sum(long.Parse);
        var parent = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(directory);
            if (name.All(char.IsAsciiDigit) && Stat(name) is { } child && child[1] == parent)
            {
                ticks += long.Parse(child[11], CultureInfo.InvariantCulture) + long.Parse(child[12], CultureInfo.InvariantCulture);
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static string DescribeCpu(int items, double seconds, TimeSpan clientCpu, ServerSample atGo, ServerSample atEnd)
    {
        var commits = atEnd.Commits - atGo.Commits;
        var text = string.Create(CultureInfo.InvariantCulture, $"  cpu: clients {clientCpu.TotalMicroseconds / items:0} us/item");
        if (atGo.Cpu is { } before && atEnd.Cpu is { } after)
        {
            var server = after - before;
            text += string.Create(CultureInfo.InvariantCulture, $", server {server.TotalMicroseconds / items:0} us/item ({(clientCpu + server).TotalSeconds / seconds:0.00} of {Environment.ProcessorCount} cores busy)");
        }
        else
        {
            text += " (server not measured: not this run's own server)";
        }

        text += string.Create(CultureInfo.InvariantCulture, $"; {commits / (double)items:0.00} commits/item");
        if (atGo.WalSyncs is { } syncsBefore && atEnd.WalSyncs is { } syncsAfter && syncsAfter > syncsBefore)
        {
            var syncs = syncsAfter - syncsBefore;
            text += string.Create(CultureInfo.InvariantCulture, $"; WAL flushes {syncs / seconds:0}/s, {commits / (double)syncs:0.0} commits per flush");
        }

        return text;
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
