using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;
using Microsoft.Extensions.Time.Testing;
using Snapshooter.Xunit;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>The exact bytes of a <c>.ok</c> marker are a file format other tools read: lock them with a snapshot.</summary>
public sealed class OkMarkerFormatTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_marker_is_one_line_of_json_with_sha256_size_timestamp_and_path()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.Zero));
        AtomicWriteResult result = AtomicFile.WriteAllText(_dir.File("report.json"), """{"answer":42}""", new AtomicWriteOptions { TimeProvider = clock });

        // The directory differs per run; everything else is fixed by the content and the fake clock.
        string marker = File.ReadAllText(result.OkMarkerPath).Replace(_dir.Path, "{TempDir}", StringComparison.Ordinal);

        Snapshot.Match(marker);
    }
}
