using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.IO.Internal;
using BenchmarkDotNet.Attributes;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// <see cref="AtomicFile.WriteAllBytes(string, byte[])"/> against the plain durable write it replaces: a
/// <see cref="FileStream"/> over the same file, <c>Write</c>, <c>Flush(true)</c> (fsync). The atomic write adds a temp
/// file, a marker file and its fsync, two renames and a directory fsync; the SHA-256 is computed while the data's
/// fsync runs. <see cref="Sha256Only"/> is the hash alone, and <see cref="AtomicWriteWithoutHashing"/> the same atomic
/// write with a made-up hash (internal API, for this measurement only): the gap between the two atomic rows is what
/// hashing really costs inside a write.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AtomicWriteBenchmarks
{
    private string _directory = "";
    private string _baselinePath = "";
    private string _atomicPath = "";
    private byte[] _content = [];

    /// <summary>Bytes written per operation: 4 KiB, 1 MiB, 64 MiB.</summary>
    [Params(4 * 1024, 1024 * 1024, 64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkDirectory.Create("atomic-write");
        _baselinePath = Path.Combine(_directory, "baseline.bin");
        _atomicPath = Path.Combine(_directory, "atomic.bin");
        _content = RandomNumberGenerator.GetBytes(Size);

        // Both files exist before the first measured write, so both measure a replacement.
        File.WriteAllBytes(_baselinePath, _content);
        AtomicFile.WriteAllBytes(_atomicPath, _content);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>What a careful non-atomic writer does: overwrite in place, then fsync.</summary>
    [Benchmark(Baseline = true)]
    public void FileStreamFlushToDisk()
    {
        using var stream = new FileStream(_baselinePath, FileMode.Create, FileAccess.Write, FileShare.Read);
        stream.Write(_content);
        stream.Flush(flushToDisk: true);
    }

    [Benchmark]
    public AtomicWriteResult AtomicWriteAllBytes() => AtomicFile.WriteAllBytes(_atomicPath, _content);

    /// <summary>The atomic write's every step except hashing (the marker gets a constant hash).</summary>
    [Benchmark]
    public AtomicWriteResult AtomicWriteWithoutHashing()
    {
        using AtomicWriteSession session = AtomicWriteSession.Begin(_atomicPath, options: null, bufferSize: 0, CancellationToken.None);
        session.Data.Write(_content);
        session.BeginDataSync();
        return session.Commit(FakeHash, _content.Length, CancellationToken.None);
    }

    [Benchmark]
    public byte[] Sha256Only() => SHA256.HashData(_content);

    private const string FakeHash = "0000000000000000000000000000000000000000000000000000000000000000";
}
