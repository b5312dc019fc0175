using System.Diagnostics;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>
/// Many writers, one path: threads of this process and other processes write different payloads at the same time.
/// No write may fail because of another, the result is always one whole payload whose marker matches, and a reader
/// never sees a file and marker from two different writes.
/// </summary>
public sealed class AtomicFileConcurrencyTests(ITestOutputHelper output) : IDisposable
{
    private const int Size = 256 * 1024;
    private const int Threads = 4;
    private const int Processes = 3;
    private const int WritesEach = 25;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Threads_and_processes_writing_one_path_never_fail_and_always_leave_a_matching_pair()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}: {Threads} threads and {Processes} processes, {WritesEach} writes each");
        string path = _dir.File("shared.bin");
        byte[][] payloads = [.. Enumerable.Range(0, Threads + Processes).Select(i => TestPayloads.Create(seed, i, Size))];
        var known = new HashSet<string>(payloads.Select(p => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(p))), StringComparer.Ordinal);

        // Children first: each says "ready" once started, and all begin on the same "go".
        var children = new List<Process>();
        try
        {
            for (int p = 0; p < Processes; p++)
            {
                Process child = TestHostProcess.Start(
                    TestHostModes.AtomicWriteMany, path, Invariant(seed), Invariant(Threads + p), Invariant(Size), Invariant(WritesEach));
                children.Add(child);
                Assert.Equal("ready", child.StandardOutput.ReadLine());
            }

            using var start = new Barrier(Threads + 1);
            var failures = new List<Exception>();
            var readerErrors = new List<string>();
            int verifiedReads = 0;
            using var writersDone = new CancellationTokenSource();

            Thread[] writers = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    for (int i = 0; i < WritesEach; i++)
                    {
                        // Alternate the sync and async paths: both must coexist.
                        if (i % 2 == 0)
                        {
                            AtomicFile.WriteAllBytes(path, payloads[t]);
                        }
                        else
                        {
                            AtomicFile.WriteAllBytesAsync(path, payloads[t]).GetAwaiter().GetResult();
                        }
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }
                }
            }))];

            // A reader verifies all along: once the file exists it must always verify, since writers swap the pair under
            // the directory lock and Verify reads it under the shared lock.
            var reader = new Thread(() =>
            {
                // Files are never deleted here: once the pair has verified, it must verify at every later read.
                bool seenValid = false;
                while (!writersDone.IsCancellationRequested)
                {
                    AtomicVerifyResult result = AtomicFile.Verify(path);
                    if (result.IsValid)
                    {
                        seenValid = true;
                        Interlocked.Increment(ref verifiedReads);
                        if (!known.Contains(result.Sha256!))
                        {
                            lock (readerErrors)
                            {
                                readerErrors.Add($"unknown content {result.Sha256}");
                            }
                        }
                    }
                    else if (seenValid)
                    {
                        lock (readerErrors)
                        {
                            readerErrors.Add(result.Error);
                        }
                    }
                }
            });

            foreach (Thread writer in writers)
            {
                writer.Start();
            }

            reader.Start();
            foreach (Process child in children)
            {
                child.StandardInput.WriteLine("go");
                child.StandardInput.Flush();
            }

            start.SignalAndWait();
            foreach (Thread writer in writers)
            {
                writer.Join();
            }

            foreach (Process child in children)
            {
                Assert.True(child.WaitForExit(TimeSpan.FromMinutes(2)), "a writer process hung");
                Assert.True(child.ExitCode == 0, $"a writer process failed: {child.StandardError.ReadToEnd()}");
                Assert.Equal("ok", child.StandardOutput.ReadLine());
            }

            writersDone.Cancel();
            reader.Join();

            Assert.Empty(failures);
            Assert.Empty(readerErrors);
            output.WriteLine($"{verifiedReads} concurrent Verify calls saw a valid pair");
            Assert.True(verifiedReads > 0);
            byte[] content = File.ReadAllBytes(path);
            Assert.Contains(payloads, p => p.AsSpan().SequenceEqual(content));
            Assert.True(AtomicFile.Verify(path).IsValid);
            Assert.Equal(["shared.bin", "shared.bin.ok"], _dir.FileNames());
        }
        finally
        {
            foreach (Process child in children)
            {
                if (!child.HasExited)
                {
                    child.Kill();
                }

                child.Dispose();
            }
        }
    }

    [Fact]
    public async Task Many_async_writers_to_many_files_in_one_directory_all_succeed()
    {
        // The directory lock is shared by every file in the directory: it must serialise renames, not lose writes.
        Task<AtomicWriteResult>[] writes = [.. Enumerable.Range(0, 64).Select(i =>
            AtomicFile.WriteAllTextAsync(_dir.File($"file{i % 8}.txt"), $"content {i}"))];

        AtomicWriteResult[] results = await Task.WhenAll(writes);

        Assert.Equal(64, results.Length);
        for (int f = 0; f < 8; f++)
        {
            string path = _dir.File($"file{f}.txt");
            Assert.True(AtomicFile.Verify(path).IsValid);
            Assert.Matches($"^content {f}$|^content {f + 8}$|^content {f + 16}$|^content {f + 24}$|^content {f + 32}$|^content {f + 40}$|^content {f + 48}$|^content {f + 56}$", File.ReadAllText(path));
        }

        Assert.Equal(16, _dir.FileNames().Length);
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
