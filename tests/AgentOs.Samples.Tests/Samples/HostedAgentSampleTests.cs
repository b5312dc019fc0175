using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Samples;

public sealed class HostedAgentSampleTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task The_worker_service_recovers_at_start_checkpoints_every_step_and_exports_metrics_and_traces()
    {
        // An interrupted write left behind by a previous process: start-up recovery must remove it before the agent runs.
        var artifacts = Directory.CreateDirectory(Path.Combine(_work.Path, "store", "hosted-agent", "artifacts")).FullName;
        var orphan = Path.Combine(artifacts, ".doc-1.outline.txt.00000000000000aa.tmp");
        await File.WriteAllTextAsync(orphan, "partial");

        var run = await ChildProcess.RunAsync("dotnet", [Repository.Sample("AgentOs.Samples.HostedAgent")], _work.Path, Timeout);

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("8 passed, 0 failed", run.Output, StringComparison.Ordinal);
        Assert.Contains($"deleted the orphan temp file {orphan}", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(orphan));
        Assert.Contains("hosted-agent: doc-3 review: checkpoint #3 Verified", run.Output, StringComparison.Ordinal);
        Assert.Contains("OK: 3 work items done, 9 checkpoints verified.", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(artifacts, "doc-2.draft.txt.ok")), "no .ok marker beside an artifact");

        // The OpenTelemetry console exporter printed the SDK's spans and metrics.
        Assert.Contains("agentos.checkpoint.create", run.Output, StringComparison.Ordinal);
        Assert.Contains("agentos.lease.acquire", run.Output, StringComparison.Ordinal);
        Assert.Contains("Metric Name: agentos.checkpoint.created", run.Output, StringComparison.Ordinal);
        Assert.Contains("Metric Name: agentos.atomic_write.duration", run.Output, StringComparison.Ordinal);

        // A second run finds the work done and the store healthy.
        var again = await ChildProcess.RunAsync("dotnet", [Repository.Sample("AgentOs.Samples.HostedAgent")], _work.Path, Timeout);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("OK: 0 work items done", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_configuration_stops_the_worker_service_before_it_takes_work_naming_each_setting()
    {
        var run = await ChildProcess.RunAsync(
            "dotnet",
            [Repository.Sample("AgentOs.Samples.HostedAgent"), "--AgentOs:HealthCheckMode=Lenient", "--AgentOs:SweepInterval=-00:00:01"],
            _work.Path,
            Timeout);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("AgentOs:HealthCheckMode = 'Lenient' is not one of Strict, Safe, Dev.", run.Output, StringComparison.Ordinal);
        Assert.Contains("AgentOs:SweepInterval = '-00:00:01' must be positive", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("OK:", run.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_work.Path, "store")), "nothing may be created when the configuration is bad");
    }
}
