using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost.Checkpoints;

/// <summary>
/// <c>checkpoint-writer &lt;database&gt; &lt;task id&gt; &lt;count&gt; [full|normal]</c>: opens the store (a SQLite file, or a
/// PostgreSQL connection string <c>Host=...</c>), prints <c>ready</c>,
/// waits for a line on stdin (so that every writer of a test starts at once), writes &lt;count&gt; checkpoints to the task,
/// then prints <c>done &lt;count&gt; &lt;first timestamp&gt; &lt;last timestamp&gt;</c> (Stopwatch ticks, comparable across
/// processes on one machine) and exits 0. Any failure goes to stderr with exit code 1.
/// </summary>
internal static class CheckpointWriter
{
    public const string Mode = "checkpoint-writer";

    public static int Run(string[] args)
    {
        if (args.Length is < 3 or > 4)
        {
            Console.Error.WriteLine($"usage: {Mode} <database> <task id> <count> [full|normal]");
            return 64;
        }

        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var synchronous = args.Length == 4 && args[3] == "normal" ? SynchronousMode.Normal : SynchronousMode.Full;
        try
        {
            using var store = StoreTarget.Open(args[0], new StoreOptions { Synchronous = synchronous });
            using var manager = new CheckpointManager(store);
            var metadata = new Dictionary<string, string> { ["writer"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) };
            Console.Out.WriteLine("ready");
            Console.Out.Flush();
            Console.In.ReadLine();

            var first = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                using var snapshot = JsonDocument.Parse($$"""{"writer":{{Environment.ProcessId}},"step":{{i}}}""");
                var checkpoint = manager.CreateCheckpoint(
                    args[1],
                    "step",
                    snapshot.RootElement,
                    [new CommandExitEvidence("step " + i.ToString(CultureInfo.InvariantCulture), 0)],
                    metadata: metadata);
                if (checkpoint.Status != CheckpointStatus.Verified)
                {
                    Console.Error.WriteLine($"checkpoint {checkpoint} is not verified: {checkpoint.VerificationError}");
                    return 1;
                }
            }

            var last = Stopwatch.GetTimestamp();
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {count} {first} {last}"));
            return 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(ex.ToString());
            return 1;
        }
    }
}
