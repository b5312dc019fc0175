using System.Diagnostics;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.IO;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AgentOs.Sdk.Hosting.Tests.Telemetry;

// AtomicFile is static and reports through AgentOsTelemetry.Default (a meter with no scope): the collectors below listen
// to that meter, so measurements from other tests in the process can appear too; assertions look for this test's own.
public sealed class AtomicFileTelemetryTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void An_atomic_write_records_its_duration_in_seconds_its_size_in_bytes_and_a_span_with_path_and_size()
    {
        using var duration = new MetricCollector<double>(null, AgentOsInstruments.MeterName, AgentOsInstruments.AtomicWriteDuration);
        using var size = new MetricCollector<long>(null, AgentOsInstruments.MeterName, AgentOsInstruments.AtomicWriteSize);
        using var spans = new ActivityRecorder();
        var path = _dir.File("state.bin");

        AtomicFile.WriteAllBytes(path, new byte[4093]);

        Assert.Equal("s", duration.Instrument!.Unit);
        Assert.Equal("By", size.Instrument!.Unit);
        Assert.Contains(size.GetMeasurementSnapshot(), m => m.Value == 4093 && m.Tags.Count == 0);
        Assert.Contains(duration.GetMeasurementSnapshot(), m => m.Value > 0 && m.Value < 60);
        var span = Assert.Single(spans.Stopped(AgentOsInstruments.AtomicWriteActivity, AgentOsTags.FilePath, path));
        Assert.Equal(4093L, span.GetTagItem(AgentOsTags.FileSize));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public void Recover_counts_the_files_it_rolled_forward_back_or_deleted_by_action()
    {
        using var recovered = new MetricCollector<long>(null, AgentOsInstruments.MeterName, AgentOsInstruments.AtomicFileRecovered);
        File.WriteAllText(_dir.File(".a.json.00000000000000aa.tmp"), "partial");
        File.WriteAllText(_dir.File(".b.json.00000000000000bb.tmp"), "partial");

        var result = AtomicFile.Recover(_dir.Path);

        Assert.Equal(2, result.Deleted.Count);
        Assert.Equal("{file}", recovered.Instrument!.Unit);
        Assert.Contains(recovered.GetMeasurementSnapshot(), m => m.Value == 2 && m.Tags[AgentOsTags.RecoverAction] as string == "deleted");
    }
}
