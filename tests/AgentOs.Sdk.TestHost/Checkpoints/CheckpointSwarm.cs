using System.Diagnostics;
using System.Globalization;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost.Checkpoints;

/// <summary>
/// <c>checkpoint-swarm &lt;folder&gt; &lt;processes&gt; &lt;per process&gt; [full|normal]</c>: a measured run, not a test. Starts
/// &lt;processes&gt; <see cref="CheckpointWriter"/> children on one new database and one task, releases them together, and
/// prints how many checkpoints per second they wrote between the first write and the last, and whether every write
/// landed with sequence numbers 1..N.
/// </summary>
internal static class CheckpointSwarm
{
    public const string Mode = "checkpoint-swarm";

    public static int Run(string[] args)
    {
        if (args.Length is < 3 or > 4)
        {
            Console.Error.WriteLine($"usage: {Mode} <folder> <processes> <per process> [full|normal]");
            return 64;
        }

        var processes = int.Parse(args[1], CultureInfo.InvariantCulture);
        var perProcess = int.Parse(args[2], CultureInfo.InvariantCulture);
        var mode = args.Length == 4 ? args[3] : "full";
        Directory.CreateDirectory(args[0]);
        var database = Path.Combine(args[0], $"swarm-{mode}-{Guid.NewGuid():N}.db");
        using (AgentOsStore.Open(database))
        {
            // Created and migrated once, before the writers race to open it.
        }

        var children = new List<Process>();
        try
        {
            for (var i = 0; i < processes; i++)
            {
                var start = SelfStartInfo();
                foreach (var argument in new[] { CheckpointWriter.Mode, database, "task", args[2], mode })
                {
                    start.ArgumentList.Add(argument);
                }

                children.Add(Process.Start(start)!);
            }

            foreach (var child in children)
            {
                var line = child.StandardOutput.ReadLine();
                if (line != "ready")
                {
                    Console.Error.WriteLine($"a writer did not start: '{line}' {FirstLine(child.StandardError.ReadToEnd())}");
                    return 1;
                }
            }

            foreach (var child in children)
            {
                child.StandardInput.WriteLine("go");
                child.StandardInput.Flush();
            }

            long first = long.MaxValue, last = long.MinValue, written = 0;
            var failures = 0;
            foreach (var child in children)
            {
                var line = child.StandardOutput.ReadLine() ?? string.Empty;
                child.WaitForExit();
                var parts = line.Split(' ');
                if (child.ExitCode != 0 || parts.Length != 4 || parts[0] != "done")
                {
                    failures++;
                    Console.Error.WriteLine($"writer {child.Id} exited {child.ExitCode}: '{line}' {FirstLine(child.StandardError.ReadToEnd())}");
                    continue;
                }

                written += long.Parse(parts[1], CultureInfo.InvariantCulture);
                first = Math.Min(first, long.Parse(parts[2], CultureInfo.InvariantCulture));
                last = Math.Max(last, long.Parse(parts[3], CultureInfo.InvariantCulture));
            }

            using var store = AgentOsStore.Open(database);
            using var manager = new CheckpointManager(store);
            var numbers = manager.ListCheckpoints("task").Select(c => c.SequenceNumber).ToList();
            var contiguous = numbers.SequenceEqual(Enumerable.Range(1, numbers.Count).Select(n => (long)n));
            var seconds = Stopwatch.GetElapsedTime(first, last).TotalSeconds;
            Console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"synchronous={mode} processes={processes} per_process={perProcess} written={written} stored={numbers.Count} failed_processes={failures} contiguous_1_to_n={contiguous} seconds={seconds:F3} checkpoints_per_second={written / seconds:F0}"));
            return failures == 0 && contiguous && numbers.Count == processes * perProcess ? 0 : 1;
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited)
                {
                    child.Kill();
                }

                child.Dispose();
            }

            foreach (var file in Directory.GetFiles(args[0], Path.GetFileName(database) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    // Runs this same program again: through its apphost when there is one, else through the dotnet host.
    private static ProcessStartInfo SelfStartInfo()
    {
        var assembly = typeof(CheckpointSwarm).Assembly.Location;
        var host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(assembly);
        }

        return start;
    }
}
