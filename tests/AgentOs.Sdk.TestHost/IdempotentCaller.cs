using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// One of several processes running the same tool command through a <see cref="ToolLedger"/> on one store.
/// Arguments: database (a SQLite path or a PostgreSQL connection string), command, marker file (the side effect: one line per real execution), release file (the
/// executor holds its claim until this file exists, so the other processes find the key pending and must wait).
/// Prints <c>waiting</c> or <c>calling</c> before the call, <c>executing</c> inside it, then <c>result=… replayed=…</c>.
/// </summary>
internal static class IdempotentCaller
{
    public const string Mode = "idempotent-caller";

    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4)
        {
            Console.Error.WriteLine($"usage: {Mode} <database or connection string> <command> <marker-file> <release-file>");
            return 64;
        }

        var (database, command, marker, release) = (args[0], args[1], args[2], args[3]);
        var pid = Environment.ProcessId;
        using var store = StoreTarget.Open(database);
        using var idempotency = new IdempotencyStore(store, $"pid-{pid}", TimeProvider.System, new IdempotencyOptions { PollInterval = TimeSpan.FromMilliseconds(10) });
        var ledger = new ToolLedger(idempotency);

        var seen = idempotency.Find(ToolLedger.CreateKey("sh", command));
        Console.WriteLine(seen?.Status == IdempotencyStatus.Pending ? "waiting" : "calling");

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await ledger.ExecuteOrReplayAsync(
            "sh",
            command,
            async ct =>
            {
                await File.AppendAllTextAsync(marker, $"{pid}\n", ct);
                Console.WriteLine("executing");
                while (!File.Exists(release))
                {
                    await Task.Delay(10, ct);
                }

                return new ToolResult(0, $"ran in {pid}", string.Empty);
            },
            cancellationToken: bound.Token);

        Console.WriteLine($"result={result.Result.Stdout} replayed={result.Replayed}");
        return 0;
    }
}
