using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>
/// A worker's side of a <see cref="ConcurrentReplayRound"/>: waits until every worker is ready, calls the drill's operation
/// on each fresh key (in the same order as the others) and each recorded key (in its own shuffled order), times every call,
/// logs every real execution as an effect, and writes a report for the drill to check.
/// </summary>
internal sealed class ConcurrentReplayWorker : IDisposable
{
    private readonly WorkerContext _context;
    private readonly string _shared;
    private readonly StreamWriter _effects;
    private readonly Dictionary<int, string> _freshAnswers = [];
    private long _calls;
    private long _errors;
    private long _wrong;
    private long _executions;
    private long? _waits;
    private long _slowestMicroseconds;

    public ConcurrentReplayWorker(WorkerContext context)
    {
        _context = context;
        _shared = DrillStore.Argument<string>(context, "shared");
        Recorded = DrillStore.Argument<int>(context, "recorded");
        _effects = new StreamWriter(EffectLog(_shared, context.WorkerId), append: false) { AutoFlush = true };
    }

    /// <summary>How many keys (0 to <see cref="Recorded"/> - 1) the drill recorded before the round.</summary>
    public int Recorded { get; }

    /// <summary>The worker's id.</summary>
    public int WorkerId => _context.WorkerId;

    /// <summary>
    /// The options of the worker's idempotency store: waiters look again every 5 ms, and hit counts are flushed every
    /// 200 ms, so that flushes fall due while the workers race (the flush inside a claim's transaction was the defect).
    /// </summary>
    public static IdempotencyOptions IdempotencyOptions => new()
    {
        PollInterval = TimeSpan.FromMilliseconds(5),
        HitCountFlushInterval = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>The effect log of worker <paramref name="worker"/>: one line (the fresh key's index) per real execution.</summary>
    public static string EffectLog(string shared, int worker) => Path.Combine(shared, string.Create(CultureInfo.InvariantCulture, $"effects-{worker}.log"));

    /// <summary>Records one real execution of fresh key <paramref name="index"/>, before its outcome is recorded.</summary>
    public void Executed(int index)
    {
        lock (_effects)
        {
            _effects.WriteLine(index.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Marks this worker ready and waits until every worker is, so that they race for the same keys.</summary>
    public async Task WaitForOthersAsync(CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(_shared, string.Create(CultureInfo.InvariantCulture, $"ready-{WorkerId}")), "ready", cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        while (Directory.GetFiles(_shared, "ready-*").Length < _context.WorkerCount)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2), limit.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> on every fresh key (negative indexes -1 to -<see cref="ConcurrentReplayRound.FreshKeys"/>
    /// stand for fresh keys 0 to 99, in the same order in every worker), then on every recorded key in an order shuffled by
    /// <paramref name="seed"/> and the worker id. The call returns whether it executed the operation, whether it waited for
    /// another caller (null if the API does not say), and its answer.
    /// </summary>
    public async Task RunAsync(int seed, Func<int, Task<(bool Executed, bool? Waited, string Answer)>> call)
    {
        var recorded = Enumerable.Range(0, Recorded).ToArray();
        new Random(unchecked(seed + (31 * WorkerId))).Shuffle(recorded);
        foreach (var key in Enumerable.Range(0, ConcurrentReplayRound.FreshKeys).Select(i => -1 - i).Concat(recorded))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var (executed, waited, answer) = await call(key).ConfigureAwait(false);
                if (executed)
                {
                    _executions++;
                }

                if (waited is { } w)
                {
                    _waits = (_waits ?? 0) + (w ? 1 : 0);
                }

                if (key < 0)
                {
                    _freshAnswers[-1 - key] = answer;
                }
                else if (executed)
                {
                    // A recorded key must replay; running it again is a wrong answer even if the text matches.
                    _wrong++;
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"recorded key {key} ran again instead of replaying")).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _errors++;
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"key {key}: {ex.GetType().Name}: {ex.Message}")).ConfigureAwait(false);
            }

            _calls++;
            _slowestMicroseconds = Math.Max(_slowestMicroseconds, (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
    }

    /// <summary>Counts a replay of a recorded key whose answer differs from the one recorded.</summary>
    public void Wrong(int key, string detail)
    {
        _wrong++;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"recorded key {key}: {detail}"));
    }

    /// <summary>Writes this worker's report for the drill.</summary>
    public void WriteReport()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"calls {_calls}"),
            string.Create(CultureInfo.InvariantCulture, $"errors {_errors}"),
            string.Create(CultureInfo.InvariantCulture, $"wrong {_wrong}"),
            string.Create(CultureInfo.InvariantCulture, $"executions {_executions}"),
            string.Create(CultureInfo.InvariantCulture, $"waits {(_waits is { } w ? w.ToString(CultureInfo.InvariantCulture) : "-")}"),
            string.Create(CultureInfo.InvariantCulture, $"slowest_us {_slowestMicroseconds}"),
        };
        lines.AddRange(_freshAnswers.Select(a => string.Create(CultureInfo.InvariantCulture, $"fresh {a.Key} {a.Value}")));
        File.WriteAllLines(ReportPath(_shared, WorkerId), lines);
    }

    /// <summary>Reads worker <paramref name="worker"/>'s report.</summary>
    public static Report ReadReport(string shared, int worker)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var fresh = new Dictionary<int, string>();
        foreach (var parts in File.ReadLines(ReportPath(shared, worker)).Select(l => l.Split(' ')))
        {
            if (parts[0] == "fresh")
            {
                fresh[int.Parse(parts[1], CultureInfo.InvariantCulture)] = parts[2];
            }
            else
            {
                values[parts[0]] = parts[1];
            }
        }

        long Value(string name) => long.Parse(values[name], CultureInfo.InvariantCulture);
        return new Report(
            Value("calls"), Value("errors"), Value("wrong"), Value("executions"),
            values["waits"] == "-" ? null : Value("waits"), Value("slowest_us"), fresh);
    }

    public void Dispose() => _effects.Dispose();

    private static string ReportPath(string shared, int worker) => Path.Combine(shared, string.Create(CultureInfo.InvariantCulture, $"report-{worker}.txt"));

    /// <summary>What a worker reports.</summary>
    internal sealed record Report(long Calls, long Errors, long Wrong, long Executions, long? Waits, long SlowestMicroseconds, IReadOnlyDictionary<int, string> FreshAnswers);
}
