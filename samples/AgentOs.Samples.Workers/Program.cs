// AgentOs.Sdk workers: ten worker processes, one SQLite database each, results merged by the parent.
//
//   dotnet run --project samples/AgentOs.Samples.Workers -- [--workers 10] [--store ./store/workers]
//
// Each worker counts the primes in its own slice of [0, 100000), checkpoints every chunk in its own database
// (no shared write lock, so no SQLITE_BUSY between workers) and writes its result atomically. The parent verifies each
// result, merges them into summary.json and checks the total against a single-process count.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;
using AgentOs.Samples.Workers;

if (WorkerHost.TryRun(args, out int workerExitCode))
{
    return workerExitCode;
}

int workers = 10;
string storeDirectory = "./store/workers";
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--workers" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 64)
    {
        workers = n;
        i++;
    }
    else if (args[i] == "--store" && i + 1 < args.Length)
    {
        storeDirectory = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"Unknown or invalid argument '{args[i]}'. Usage: [--workers <1..64>] [--store <dir>]");
        return 64;
    }
}

// One pool directory per run: worker_<id>.db and artifacts/worker_<id>/ for each worker.
string poolDirectory = Path.Combine(Path.GetFullPath(storeDirectory), DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture));
var options = new WorkerPoolOptions { Directory = poolDirectory };
options.Arguments["limit"] = PrimeCounter.Limit;
Console.WriteLine($"Starting {workers} worker processes in {poolDirectory}");

var clock = Stopwatch.StartNew();
IReadOnlyList<WorkerResult> results = await WorkerPool.RunAsync(workers, PrimeCounter.RunAsync, options);
Console.WriteLine($"All workers exited after {clock.Elapsed.TotalSeconds:F2} s");

// Merge: trust a worker's result only if it exited 0, its result file is intact and its last checkpoint is verified.
long total = 0;
int failures = 0;
foreach (WorkerResult result in results)
{
    var context = new WorkerContext(result.WorkerId, workers, poolDirectory);
    string resultPath = Path.Combine(context.ArtifactsDirectory, "result.json");
    AtomicVerifyResult? intact = result.Succeeded ? AtomicFile.Verify(resultPath) : null;
    if (intact is not { IsValid: true })
    {
        Console.WriteLine($"  worker {result.WorkerId}: FAILED ({result.Outcome}) {intact?.Error} {result.StderrTail}");
        failures++;
        continue;
    }

    using JsonDocument json = JsonDocument.Parse(File.ReadAllText(resultPath));
    long primes = json.RootElement.GetProperty("primes").GetInt64();
    using AgentOsStore store = AgentOsStore.Open(context.DatabasePath, new StoreOptions { CreateIfMissing = false });
    using var checkpoints = new CheckpointManager(store);
    Checkpoint? last = checkpoints.GetLastVerifiedCheckpoint(PrimeCounter.TaskId);
    Console.WriteLine($"  worker {result.WorkerId}: pid {result.ProcessId,-7} {json.RootElement.GetProperty("from").GetInt64(),6}..{json.RootElement.GetProperty("to").GetInt64(),-6} {primes,5} primes  {last?.SequenceNumber ?? 0} verified checkpoints  {result.Duration.TotalMilliseconds,5:F0} ms");
    total += primes;
}

long expected = PrimeCounter.CountPrimes(0, PrimeCounter.Limit);
string summaryPath = Path.Combine(poolDirectory, "summary.json");
AtomicFile.WriteJson(summaryPath, new { workers, failures, primes = total, expected, limit = PrimeCounter.Limit });
Console.WriteLine($"Merged: {total} primes below {PrimeCounter.Limit} from {workers - failures}/{workers} workers (single-process count: {expected})");
Console.WriteLine($"Summary: {summaryPath}");
bool ok = failures == 0 && total == expected;
Console.WriteLine(ok ? "OK: every worker verified, merged total matches." : "FAILED: see above.");
return ok ? 0 : 1;
