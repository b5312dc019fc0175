using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Samples.Workers;

/// <summary>The work each worker process does: count the primes in its slice, checkpointing every chunk in its own database.</summary>
internal static class PrimeCounter
{
    public const string TaskId = "count-primes";
    public const long Limit = 100_000;
    private const int Chunks = 5;

    /// <summary>The worker entry: static, so each worker process can find and run it (rule AOS002).</summary>
    public static async Task<int> RunAsync(WorkerContext context, CancellationToken cancellationToken)
    {
        long limit = context.GetArgument<long>("limit");
        long sliceSize = (limit + context.WorkerCount - 1) / context.WorkerCount;
        long from = Math.Min(limit, context.WorkerId * sliceSize);
        long to = Math.Min(limit, from + sliceSize);

        // This worker's own database: no other process writes to it.
        using AgentOsStore store = AgentOsStore.Open(context.DatabasePath);
        using var checkpoints = new CheckpointManager(store);
        checkpoints.EnsureTask(TaskId, $"primes in [{from}, {to})");
        checkpoints.SetTaskStatus(TaskId, AgentTaskStatus.Running);

        long primes = 0;
        long chunkSize = Math.Max(1, (to - from + Chunks - 1) / Chunks);
        for (long start = from; start < to; start += chunkSize)
        {
            long end = Math.Min(to, start + chunkSize);
            primes += CountPrimes(start, end);
            using JsonDocument snapshot = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $$"""{"done_to":{{end}},"primes":{{primes}}}"""));
            await checkpoints.CreateCheckpointAsync(
                TaskId,
                "chunk",
                snapshot.RootElement,
                new EvidencePack([new CommandExitEvidence($"count {start}..{end}", 0)]),
                cancellationToken: cancellationToken);
        }

        // The result the parent merges: written atomically, so the parent never reads half a file.
        await AtomicFile.WriteJsonAsync(
            Path.Combine(context.ArtifactsDirectory, "result.json"),
            new { worker = context.WorkerId, from, to, primes },
            cancellationToken: cancellationToken);
        checkpoints.SetTaskStatus(TaskId, AgentTaskStatus.Succeeded);
        return 0;
    }

    public static long CountPrimes(long from, long to)
    {
        long count = 0;
        for (long n = Math.Max(2, from); n < to; n++)
        {
            bool prime = true;
            for (long d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            count += prime ? 1 : 0;
        }

        return count;
    }
}
