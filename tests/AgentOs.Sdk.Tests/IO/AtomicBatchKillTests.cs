using System.Diagnostics;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>
/// kill -9 inside <see cref="AtomicBatch.Commit"/>: a child process commits batches of three 300,000-byte files
/// (large enough to be hashed on another core) alternating two versions, and is killed with SIGKILL at a random moment
/// after it announces a commit. After every kill each file is one whole version, and after Recover each verifies, still
/// holds that version, and no temp file is left: the batch's per-file crash rule, with a real process killed.
/// </summary>
public sealed class AtomicBatchKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 24;
    private const int FileSize = 300_000;
    private const int Files = 3;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Every_kill_inside_a_commit_leaves_each_file_whole_and_verifiable_after_Recover()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("AGENTOS_KILL_SEED"), out int given) ? given : Environment.TickCount;
        output.WriteLine($"batch kill -9 test: seed {seed} (set AGENTOS_KILL_SEED to replay), {Kills} kills");
#pragma warning disable CA5394 // Seeded randomness picks kill moments; it is not security.
        var random = new Random(seed);
#pragma warning restore CA5394
        byte[][] payloads = [.. Enumerable.Range(0, 2 * Files).Select(i => TestPayloads.Create(seed, i, FileSize))];
        string[] paths = [.. Enumerable.Range(0, Files).Select(i => _dir.File($"file{i}.bin"))];
        string[] pairs = [.. paths.SelectMany(p => new[] { Path.GetFileName(p), Path.GetFileName(p) + ".ok" }).Order(StringComparer.Ordinal)];
        // Version 1 exists before the first child starts (whose first commit writes version 0), so every kill replaces files.
        var initial = new AtomicBatch();
        for (int i = 0; i < Files; i++)
        {
            initial.Add(paths[i], payloads[Files + i]);
        }

        initial.Commit();
        var mixed = 0;
        for (int kill = 0; kill < Kills; kill++)
        {
#pragma warning disable CA5394
            RunAndKill(seed, random.Next(0, 4_000));
#pragma warning restore CA5394

            int[] versions = new int[Files];
            for (int i = 0; i < Files; i++)
            {
                byte[] content = File.ReadAllBytes(paths[i]);
                versions[i] = content.AsSpan().SequenceEqual(payloads[i]) ? 0
                    : content.AsSpan().SequenceEqual(payloads[Files + i]) ? 1
                    : throw new Xunit.Sdk.XunitException($"kill {kill} (seed {seed}): {Path.GetFileName(paths[i])} is neither version ({content.Length} bytes).");
            }

            if (versions.Distinct().Count() > 1)
            {
                mixed++;
            }

            AtomicRecoveryResult recovered = AtomicFile.Recover(_dir.Path);
            for (int i = 0; i < Files; i++)
            {
                AtomicVerifyResult verify = AtomicFile.Verify(paths[i]);
                Assert.True(verify.IsValid, $"kill {kill} (seed {seed}) after Recover ({recovered}): {verify.Error}");
                Assert.Equal(payloads[(versions[i] * Files) + i], File.ReadAllBytes(paths[i]));
            }

            string[] left = [.. Directory.EnumerateFiles(_dir.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
            Assert.Equal(pairs, left);
        }

        // Not all-or-nothing, as documented: a kill between two files' renames leaves versions mixed (a count, not a goal).
        output.WriteLine($"{Kills} kills; {mixed} left the batch's files at different versions");
    }

    /// <summary>Starts the batch writer, waits for a commit to start plus <paramref name="delayMicroseconds"/>, and kills it.</summary>
    private void RunAndKill(int seed, int delayMicroseconds)
    {
        using Process child = TestHostProcess.Start(TestHostModes.AtomicBatchLoop, _dir.Path, Invariant(seed), Invariant(FileSize));
        using var watchdog = new Timer(_ => child.Kill(), null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);
        try
        {
            // Skip a random number of commits so kills land in either version's commit.
            int marks = 1 + (delayMicroseconds % 3);
            while (marks > 0)
            {
                string line = child.StandardOutput.ReadLine()
                    ?? throw new InvalidOperationException($"The batch writer exited or hung before it signalled ({child.StandardError.ReadToEnd()}).");
                if (line == "mark")
                {
                    marks--;
                }
            }

            // Spin rather than sleep: a sleep's granularity would aim every kill at the same place.
            var aim = Stopwatch.StartNew();
            while (aim.Elapsed.TotalMicroseconds < delayMicroseconds)
            {
                Thread.SpinWait(50);
            }

            // Process.Kill on Linux sends SIGKILL: no handler, no finally block, no flush runs in the child.
            child.Kill();
            child.WaitForExit();
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
}
