using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.IO.Internal;
using BenchmarkDotNet.Attributes;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// Eight files of one step made durable: <see cref="AtomicBatch"/> against <see cref="SingleWrites"/> (eight
/// <see cref="AtomicFile.WriteAllBytes(string, byte[])"/> calls, what a step does without the batch form), both against
/// the true floor of the job (<see cref="Floor"/>, the baseline): sixteen temps (data and marker) written, all fsynced
/// eight at a time, the directory fsynced once (the temps' names), sixteen renames, the directory fsynced once, with no
/// hashing, locking or JSON. All files replace existing ones.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AtomicBatchBenchmarks
{
    private const int Files = 8;

    private string _directory = "";
    private string[] _batchPaths = [];
    private string[] _singlePaths = [];
    private string[] _floorPaths = [];
    private byte[][] _contents = [];
    private byte[] _marker = [];

    /// <summary>Bytes per file: 4 KiB and 64 KiB.</summary>
    [Params(4 * 1024, 64 * 1024)]
    public int FileSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkDirectory.Create("atomic-batch");
        _batchPaths = [.. Enumerable.Range(0, Files).Select(i => Path.Combine(_directory, $"batch-{i}.bin"))];
        _singlePaths = [.. Enumerable.Range(0, Files).Select(i => Path.Combine(_directory, $"single-{i}.bin"))];
        _floorPaths = [.. Enumerable.Range(0, Files).Select(i => Path.Combine(_directory, $"floor-{i}.bin"))];
        _contents = [.. Enumerable.Range(0, Files).Select(_ => RandomNumberGenerator.GetBytes(FileSize))];

        // A marker of the real size: {"sha256":64 hex,"size":N,"timestamp":...,"path":...}.
        _marker = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"sha256\":\"{new string('0', 64)}\",\"size\":{FileSize},\"timestamp\":\"2026-01-01T00:00:00.0000000Z\",\"path\":\"{_floorPaths[0]}\"}}\n");

        // Every file exists before the first measured write, so every row measures replacements.
        Batch();
        SingleWrites();
        Floor();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>The floor of making eight files and their markers durable together: every step, once, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public void Floor()
    {
        using DirectoryHandle directory = DirectoryHandle.Open(_directory);
        var temps = new FileStream[Files * 2];
        try
        {
            for (int i = 0; i < Files; i++)
            {
                temps[2 * i] = Create(_floorPaths[i] + ".tmp", _contents[i]);
                temps[(2 * i) + 1] = Create(_floorPaths[i] + ".ok.tmp", _marker);
            }

            Parallel.ForEach(temps, new ParallelOptions { MaxDegreeOfParallelism = 8 }, temp => temp.Flush(flushToDisk: true));
            directory.Flush();
            for (int i = 0; i < Files; i++)
            {
                File.Move(_floorPaths[i] + ".tmp", _floorPaths[i], overwrite: true);
                File.Move(_floorPaths[i] + ".ok.tmp", _floorPaths[i] + ".ok", overwrite: true);
            }

            directory.Flush();
        }
        finally
        {
            foreach (FileStream? temp in temps)
            {
                temp?.Dispose();
            }
        }
    }

    [Benchmark]
    public IReadOnlyList<AtomicWriteResult> Batch()
    {
        var batch = new AtomicBatch();
        for (int i = 0; i < Files; i++)
        {
            batch.Add(_batchPaths[i], _contents[i]);
        }

        return batch.Commit();
    }

    /// <summary>What a step does without the batch: one atomic write after the other.</summary>
    [Benchmark]
    public void SingleWrites()
    {
        for (int i = 0; i < Files; i++)
        {
            AtomicFile.WriteAllBytes(_singlePaths[i], _contents[i]);
        }
    }

    private static FileStream Create(string path, byte[] content)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        stream.Write(content);
        LibC.StartWriteback(stream.SafeFileHandle);
        return stream;
    }
}
