using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using BenchmarkDotNet.Attributes;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// <see cref="AtomicFile.Verify"/> (read the marker, read and hash the file, compare) against the floor it cannot beat:
/// SHA-256 of the same bytes already in memory. Divide the size by the baseline's time for the SHA-256 throughput.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class VerifyBenchmarks
{
    private string _directory = "";
    private string _path = "";
    private byte[] _content = [];

    /// <summary>Size of the verified file: 1 MiB, 64 MiB.</summary>
    [Params(1024 * 1024, 64 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = BenchmarkDirectory.Create("verify");
        _path = Path.Combine(_directory, "artifact.bin");
        _content = RandomNumberGenerator.GetBytes(Size);
        AtomicFile.WriteAllBytes(_path, _content);
        if (!AtomicFile.Verify(_path).IsValid)
        {
            throw new InvalidOperationException("The benchmark's file does not verify.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    /// <summary>SHA-256 of the bytes in memory: the hashing throughput of this machine.</summary>
    [Benchmark(Baseline = true)]
    public byte[] Sha256InMemory() => SHA256.HashData(_content);

    [Benchmark]
    public bool Verify() => AtomicFile.Verify(_path).IsValid;
}
