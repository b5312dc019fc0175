using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// <c>idempotency-hammer &lt;db or connection string&gt; ledger|cache &lt;keys&gt; &lt;slow ms&gt; &lt;poll ms&gt; &lt;passes&gt; &lt;seed&gt; &lt;index&gt; &lt;folder&gt;</c>:
/// one of several processes calling <see cref="ToolLedger.ExecuteOrReplayAsync"/> (or
/// <see cref="LlmOutputCache.GetOrCreateAsync"/>) on the same keys: the first pass in key order (every process races for
/// every key), later passes in an order shuffled by seed and index. Even keys run an
/// instant operation, odd keys one that takes &lt;slow ms&gt;. Each real execution appends <c>key pid</c> to
/// <c>effects-&lt;index&gt;.log</c> (the effect the parent counts); each call appends <c>key result elapsed-µs</c> to
/// <c>calls-&lt;index&gt;.log</c>, timed by Stopwatch around the whole call. Prints <c>ready</c> once warmed up, starts on a
/// <c>go</c> line, and ends with <c>done calls=N errors=E in T ms</c>; every failed call is written to standard error.
/// </summary>
internal static class IdempotencyHammer
{
    public const string Mode = "idempotency-hammer";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    /// <summary>The result every caller must get for <paramref name="key"/> when process <paramref name="pid"/> executed it.</summary>
    public static string ResultOf(string key, int pid) => string.Create(CultureInfo.InvariantCulture, $"{key}@{pid}");

    private static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 9 || args[1] is not ("ledger" or "cache"))
        {
            await Console.Error.WriteLineAsync($"usage: {Mode} <db> ledger|cache <keys> <slow ms> <poll ms> <passes> <seed> <index> <folder>");
            return 64;
        }

        var database = args[0];
        var ledgerMode = args[1] == "ledger";
        var keyCount = int.Parse(args[2], CultureInfo.InvariantCulture);
        var slow = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture));
        var poll = TimeSpan.FromMilliseconds(int.Parse(args[4], CultureInfo.InvariantCulture));
        var passes = int.Parse(args[5], CultureInfo.InvariantCulture);
        var seed = int.Parse(args[6], CultureInfo.InvariantCulture);
        var index = int.Parse(args[7], CultureInfo.InvariantCulture);
        var folder = args[8];
        var pid = Environment.ProcessId;

        using var store = StoreTarget.Open(database);
        // Hit-count flushes fall due every 10 ms (default 1 s), so that this one-second race meets them as the issue's
        // minutes-long run did: a flush due inside a claim's write transaction was the defect of issue 14.
        using var keys = new IdempotencyStore(store, $"hammer-{index}-pid-{pid}", TimeProvider.System, new IdempotencyOptions
        {
            PollInterval = poll,
            HitCountFlushInterval = TimeSpan.FromMilliseconds(10),
        });
        var ledger = new ToolLedger(keys);
        var cache = new LlmOutputCache(keys);
        using var effects = new StreamWriter(Path.Combine(folder, $"effects-{index}.log"), append: false) { AutoFlush = true };
        using var calls = new StreamWriter(Path.Combine(folder, $"calls-{index}.log"), append: false);

        async Task<string> CallAsync(string key, bool isSlow, bool record)
        {
            async Task<string> Effect(CancellationToken ct)
            {
                if (isSlow)
                {
                    await Task.Delay(slow, ct);
                }

                if (record)
                {
                    // The effect: one line per real execution, written before the outcome is recorded.
                    lock (effects)
                    {
                        effects.WriteLine($"{key} {pid}");
                    }
                }

                return ResultOf(key, pid);
            }

            if (ledgerMode)
            {
                var result = await ledger.ExecuteOrReplayAsync("hammer", key, async ct => new ToolResult(0, await Effect(ct), string.Empty));
                return result.Result.Stdout;
            }

            return await cache.GetOrCreateAsync("hammer", key, "fake-model", Effect);
        }

        // Warm-up on keys of this process alone (JIT, pools, prepared statements), so that the timings are the store's.
        for (var i = 0; i < 3; i++)
        {
            await CallAsync($"warm-up-{pid}-{i % 2}", isSlow: false, record: false);
        }

        Console.WriteLine("ready");
        if (Console.ReadLine() != "go")
        {
            return 65;
        }

        var run = Stopwatch.StartNew();
        var shuffled = Enumerable.Range(0, keyCount).ToArray();
        new Random(unchecked((seed * 7919) + index)).Shuffle(shuffled);
        var total = 0;
        var errors = 0;
        for (var pass = 0; pass < passes; pass++)
        {
            // The first pass goes through the keys in the same order in every process, so that they race for each key;
            // later passes replay in each process's own order.
            foreach (var i in pass == 0 ? Enumerable.Range(0, keyCount) : shuffled)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"key-{i:D3}");
                var started = Stopwatch.GetTimestamp();
                string result;
                try
                {
                    result = await CallAsync(key, isSlow: i % 2 == 1, record: true);
                }
                catch (Exception ex)
                {
                    errors++;
                    result = "error";
                    await Console.Error.WriteLineAsync($"{key} pass {pass}: {ex.GetType().Name}: {ex.Message}");
                }

                var micros = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                total++;
                calls.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key} {result} {micros}"));
            }
        }

        calls.Flush();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done calls={total} errors={errors} in {run.ElapsedMilliseconds} ms"));
        return errors == 0 ? 0 : 1;
    }
}
