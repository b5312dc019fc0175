using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.IO.Internal;
using BenchmarkDotNet.Attributes;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// <see cref="AtomicFile.WriteAllBytes(string, byte[])"/> against the floor of what a durable replacement with a marker
/// costs. The baseline is <see cref="FloorWithTempNamesSynced"/>, the true floor of the SDK's guarantees: the data and a
/// small marker written, the data fsynced then the directory (so the temps' names are durable) in parallel with the
/// marker's fsync, two renames, one directory fsync, with no hashing, locking or JSON. The crash-state explorer shows
/// that the directory fsync before the renames is required: without it its pessimistic POSIX model finds states where
/// one rename persisted, the other did not, and the temps' names were lost, which no Recover can repair
/// (docs/durability.md). <see cref="Floor"/> omits that fsync: the floor of a design that trusts ext4's journal to keep
/// renames in order, shown so that the step's price stays visible. <see cref="FileStreamFlushToDisk"/> is a plain
/// overwrite + fsync for reference (not atomic, not a floor), <see cref="AtomicWriteWithoutHashing"/> the SDK's write
/// with a made-up hash (internal API), and <see cref="Sha256Only"/> the hash alone.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AtomicWriteBenchmarks
{
    private string _directory = "";
    private string _baselinePath = "";
    private string _atomicPath = "";
    private string _floorPath = "";
    private byte[] _content = [];
    private byte[] _marker = [];

    /// <summary>Bytes written per operation: 4 KiB, 1 MiB, 64 MiB.</summary>
    [Params(4 * 1024, 1024 * 1024, 64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkDirectory.Create("atomic-write");
        _baselinePath = Path.Combine(_directory, "baseline.bin");
        _atomicPath = Path.Combine(_directory, "atomic.bin");
        _floorPath = Path.Combine(_directory, "floor.bin");
        _content = RandomNumberGenerator.GetBytes(Size);

        // A marker of the real size: {"sha256":64 hex,"size":N,"timestamp":...,"path":...}.
        _marker = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"sha256\":\"{FakeHash}\",\"size\":{Size},\"timestamp\":\"2026-01-01T00:00:00.0000000Z\",\"path\":\"{_floorPath}\"}}\n");

        // Both files exist before the first measured write, so both measure a replacement.
        File.WriteAllBytes(_baselinePath, _content);
        AtomicFile.WriteAllBytes(_atomicPath, _content);
        FloorWithTempNamesSynced();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// The floor of a design that trusts the file system to keep renames in order: every step but the directory fsync
    /// before the renames. Below what the SDK may do under the pessimistic POSIX model.
    /// </summary>
    [Benchmark]
    public void Floor() => Replace(syncTempNames: false);

    /// <summary>
    /// The baseline, the true floor: every step a durable replacement of a file and its marker must take under the
    /// pessimistic POSIX model, and nothing else. Both files reach the page cache before any fsync starts; the data's
    /// fsync (then the directory's) runs on another thread while the marker is fsynced, as the SDK does.
    /// </summary>
    [Benchmark(Baseline = true)]
    public void FloorWithTempNamesSynced() => Replace(syncTempNames: true);

    /// <summary>What a careful non-atomic writer does: overwrite in place, then fsync. For reference: it is not atomic.</summary>
    [Benchmark]
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
        return session.Commit(FakeHash, _content.Length, CancellationToken.None);
    }

    [Benchmark]
    public byte[] Sha256Only() => SHA256.HashData(_content);

    private void Replace(bool syncTempNames)
    {
        string dataTemp = _floorPath + ".tmp";
        string markerTemp = _floorPath + ".ok.tmp";
        using DirectoryHandle directory = DirectoryHandle.Open(_directory);
        using var data = new FileStream(dataTemp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        using var marker = new FileStream(markerTemp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        data.Write(_content);
        marker.Write(_marker);
        Task dataSynced = Task.Run(() =>
        {
            data.Flush(flushToDisk: true);
            if (syncTempNames)
            {
                directory.Flush();
            }
        });
        marker.Flush(flushToDisk: true);
        dataSynced.Wait();
        File.Move(dataTemp, _floorPath, overwrite: true);
        File.Move(markerTemp, _floorPath + ".ok", overwrite: true);
        directory.Flush();
    }

    private const string FakeHash = "0000000000000000000000000000000000000000000000000000000000000000";
}
