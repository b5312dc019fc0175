using System.Diagnostics;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>
/// kill -9: a child process writes two 1 MiB payloads alternately to one path and is killed with SIGKILL at random
/// moments. After every kill the file must be one payload, whole; Recover must leave it verifiable and no temp behind.
/// </summary>
public sealed class AtomicFileKillTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Kills per run unless <c>AGENTOS_KILL_ITERATIONS</c> asks for more.</summary>
    private const int DefaultKills = 50;

    private const int PayloadSize = 1024 * 1024;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Every_kill_leaves_one_whole_payload_that_verifies_after_Recover()
    {
        int kills = Math.Max(DefaultKills, int.TryParse(Environment.GetEnvironmentVariable("AGENTOS_KILL_ITERATIONS"), out int asked) ? asked : 0);
        int seed = int.TryParse(Environment.GetEnvironmentVariable("AGENTOS_KILL_SEED"), out int given) ? given : Environment.TickCount;
        output.WriteLine($"kill -9 test: seed {seed} (set AGENTOS_KILL_SEED to replay), {kills} kills in {Lanes} parallel lanes");
        byte[][] payloads = [TestPayloads.Create(seed, 0, PayloadSize), TestPayloads.Create(seed, 1, PayloadSize)];
        var clock = Stopwatch.StartNew();

        // Independent lanes (one directory each) overlap one child's fsyncs with another's start-up; each lane is
        // seeded from the run's seed, so a run replays exactly.
        LaneReport[] reports = new LaneReport[Lanes];
        Parallel.For(0, Lanes, new ParallelOptions { MaxDegreeOfParallelism = Lanes }, lane =>
            reports[lane] = RunLane(lane, seed, payloads, (kills / Lanes) + (lane < kills % Lanes ? 1 : 0)));

        output.WriteLine($"{reports.Sum(r => r.Kills)} kills in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("aimed at: " + Summarize(reports.SelectMany(r => r.Phases)));
        output.WriteLine("found before Recover: " + Summarize(reports.SelectMany(r => r.Outcomes)));
        Assert.Equal(kills, reports.Sum(r => r.Kills));
    }

    private const int Lanes = 2;

    private LaneReport RunLane(int lane, int seed, byte[][] payloads, int kills)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_dir.Path, $"lane{lane}")).FullName;
        string path = Path.Combine(directory, "artifact.bin");
        string[] pair = ["artifact.bin", "artifact.bin.ok"];
#pragma warning disable CA5394 // Seeded randomness picks kill moments; it is not security.
        var random = new Random(unchecked(seed + (lane * 7919)));
#pragma warning restore CA5394
        var report = new LaneReport();

        // The file exists before the first child starts, so a kill may land even in the child's first write.
        AtomicFile.WriteAllBytes(path, payloads[0]);
        for (int kill = 0; kill < kills; kill++)
        {
            // The child signals once per write at a random phase (while streaming data, just before the renames, or
            // between writes); the kill follows the first or second signal.
#pragma warning disable CA5394
            string phase = RunAndKill(path, seed, random.Next(), random.Next(1, 3));
#pragma warning restore CA5394
            report.Phases.Add(phase);

            // What the killed writer left, before any recovery.
            string[] left = Directory.EnumerateFiles(directory, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).ToArray()!;
            bool markerTemp = left.Any(n => n.EndsWith(".ok.tmp", StringComparison.Ordinal));
            bool dataTemp = left.Any(n => n.EndsWith(".tmp", StringComparison.Ordinal) && !n.EndsWith(".ok.tmp", StringComparison.Ordinal));
            string outcome = (dataTemp, markerTemp) switch
            {
                (true, true) => "temps left (killed before the renames)",
                (false, true) => "marker temp only (killed between the renames)",
                (true, false) => "data temp only (killed while creating temps)",
                _ => "no temps (killed outside a write's critical part)",
            };
            report.Outcomes.Add(outcome);

            // The file is always one payload, byte for byte: never torn, never mixed.
            byte[] content = File.ReadAllBytes(path);
            Assert.True(
                content.AsSpan().SequenceEqual(payloads[0]) || content.AsSpan().SequenceEqual(payloads[1]),
                $"lane {lane} kill {kill} (seed {seed}, {outcome}): the file is neither payload ({content.Length} bytes).");

            AtomicRecoveryResult recovered = AtomicFile.Recover(directory);
            AtomicVerifyResult verify = AtomicFile.Verify(path);
            Assert.True(verify.IsValid, $"lane {lane} kill {kill} (seed {seed}, {outcome}) after Recover ({recovered}): {verify.Error}");
            Assert.Equal(pair, Directory.EnumerateFiles(directory, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(content, File.ReadAllBytes(path));
            report.Kills++;
        }

        return report;
    }

    private static string Summarize(IEnumerable<string> items) =>
        string.Join(", ", items.GroupBy(i => i, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"));

    /// <summary>Starts the writer, waits for <paramref name="signals"/> of its signals, and kills it.</summary>
    private static string RunAndKill(string path, int payloadSeed, int phaseSeed, int signals)
    {
        using Process child = TestHostProcess.Start(TestHostModes.AtomicWriterLoop, path, Invariant(payloadSeed), Invariant(PayloadSize), Invariant(phaseSeed));
        // A writer that stops printing is a hang to report, not to wait for: kill it, and ReadLine then returns null.
        using var watchdog = new Timer(_ => child.Kill(), null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);
        try
        {
            string phase = "";
            while (signals > 0)
            {
                string line = child.StandardOutput.ReadLine()
                    ?? throw new InvalidOperationException($"The writer exited or hung before it signalled ({child.StandardError.ReadToEnd()}).");
                if (line.StartsWith("mark ", StringComparison.Ordinal))
                {
                    phase = line[5..];
                    signals--;
                }
            }

            // Process.Kill on Linux sends SIGKILL: no handler, no finally block, no flush runs in the child.
            child.Kill();
            child.WaitForExit();
            return phase;
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
                child.WaitForExit();
            }
        }
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class LaneReport
    {
        public int Kills { get; set; }

        public List<string> Phases { get; } = [];

        public List<string> Outcomes { get; } = [];
    }
}
