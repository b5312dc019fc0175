using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Hosting.Tests.Telemetry;

/// <summary>
/// Each module's instruments, spans and log events, through a real host: the store gets the host's meter factory and
/// logger factory, so the collectors below see this host's measurements only.
/// </summary>
public sealed class ModuleTelemetryTests : IAsyncLifetime, IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new();
    private readonly ActivityRecorder _spans = new();
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = HostFactory.Build(
            _clock,
            o =>
            {
                o.DatabasePath = _dir.File("agentos.sqlite");
                o.SweepEnabled = false;
                o.WorkerId = "worker-t";
            },
            services => services.AddLogging(logging => logging.AddFakeLogging().SetMinimumLevel(LogLevel.Debug)));
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    public void Dispose()
    {
        _spans.Dispose();
        _dir.Dispose();
    }

    private IMeterFactory Meters => _host.Services.GetRequiredService<IMeterFactory>();

    private MetricCollector<long> Counter(string name) => new(Meters, AgentOsInstruments.MeterName, name);

    private IReadOnlyList<FakeLogRecord> Logs(int id) => _host.Services.GetFakeLogCollector().GetSnapshot().Where(r => r.Id.Id == id).ToList();

    [Fact]
    public void Checkpoints_count_creations_and_failed_evidence_trace_create_and_verify_and_log_the_failure()
    {
        using var created = Counter(AgentOsInstruments.CheckpointCreated);
        using var failed = Counter(AgentOsInstruments.CheckpointVerificationFailed);
        var manager = _host.Services.GetRequiredService<CheckpointManager>();
        using var snapshot = JsonDocument.Parse("""{"step":1}""");

        var good = manager.CreateCheckpoint("task-telemetry", "plan", snapshot.RootElement, [new CommandExitEvidence("dotnet build", 0)]);
        var bad = manager.CreateCheckpoint("task-telemetry", "build", snapshot.RootElement, [new CommandExitEvidence("dotnet build", 1)]);

        Assert.Equal("{checkpoint}", created.Instrument!.Unit);
        Assert.Collection(
            created.GetMeasurementSnapshot(),
            m => Assert.Equal(("plan", "verified"), ((string)m.Tags[AgentOsTags.CheckpointType]!, (string)m.Tags[AgentOsTags.CheckpointStatus]!)),
            m => Assert.Equal(("build", "failed"), ((string)m.Tags[AgentOsTags.CheckpointType]!, (string)m.Tags[AgentOsTags.CheckpointStatus]!)));
        var failure = Assert.Single(failed.GetMeasurementSnapshot());
        Assert.Equal("build", failure.Tags[AgentOsTags.CheckpointType]);

        var span = Assert.Single(_spans.Stopped(AgentOsInstruments.CheckpointCreateActivity, AgentOsTags.CheckpointId, bad.Id));
        Assert.Equal("task-telemetry", span.GetTagItem(AgentOsTags.TaskId));
        Assert.Equal(bad.SequenceNumber, span.GetTagItem(AgentOsTags.CheckpointSequence));
        Assert.Equal(1, span.GetTagItem(AgentOsTags.EvidenceCount));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(ActivityStatusCode.Unset, Assert.Single(_spans.Stopped(AgentOsInstruments.CheckpointCreateActivity, AgentOsTags.CheckpointId, good.Id)).Status);

        var log = Assert.Single(Logs(101));
        Assert.Equal("CheckpointEvidenceFailed", log.Id.Name);
        Assert.Contains(bad.Id, log.Message, StringComparison.Ordinal);
        Assert.Contains(bad.VerificationError!, log.Message, StringComparison.Ordinal);

        Assert.False(manager.VerifyCheckpoint(bad.Id).IsVerified);
        var verify = Assert.Single(_spans.Stopped(AgentOsInstruments.CheckpointVerifyActivity, AgentOsTags.CheckpointId, bad.Id));
        Assert.Equal("failed", verify.GetTagItem(AgentOsTags.CheckpointStatus));
        Assert.Equal(2, failed.GetMeasurementSnapshot().Count);
        Assert.Contains(bad.Id, Assert.Single(Logs(102)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Leases_count_acquisitions_and_losses_by_reason_trace_the_acquisition_and_log_who_lost_which_epoch()
    {
        using var acquired = Counter(AgentOsInstruments.LeaseAcquired);
        using var lost = Counter(AgentOsInstruments.LeaseLost);
        var item = _host.Services.GetRequiredService<WorkQueue>().Enqueue("telemetry-kind");
        var leases = _host.Services.GetRequiredService<LeaseManager>();

        var lease = leases.TryAcquire(item.Id, TimeSpan.FromSeconds(10))!;
        _clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Throws<LeaseLostException>(() => leases.Renew(lease, TimeSpan.FromSeconds(10)));

        Assert.Equal("telemetry-kind", Assert.Single(acquired.GetMeasurementSnapshot()).Tags[AgentOsTags.WorkItemKind]);
        Assert.Equal("{lease}", lost.Instrument!.Unit);
        Assert.Equal("expired", Assert.Single(lost.GetMeasurementSnapshot()).Tags[AgentOsTags.LeaseLostReason]);
        var span = Assert.Single(_spans.Stopped(AgentOsInstruments.LeaseAcquireActivity, AgentOsTags.WorkItemId, item.Id));
        Assert.Equal(lease.Epoch, span.GetTagItem(AgentOsTags.LeaseEpoch));
        Assert.Equal("worker-t", span.GetTagItem(AgentOsTags.LeaseHolder));
        Assert.Equal(1, span.GetTagItem(AgentOsTags.LeaseAttempt));
        var log = Assert.Single(Logs(203));
        Assert.Equal("LeaseLost", log.Id.Name);
        Assert.Contains("worker-t", log.Message, StringComparison.Ordinal);
        Assert.Contains($"epoch {lease.Epoch}", log.Message, StringComparison.Ordinal);
        Assert.Contains(item.Id, log.Message, StringComparison.Ordinal);
        Assert.Single(Logs(201));
    }

    [Fact]
    public void The_sweep_counts_recovered_items_by_outcome_traces_the_run_and_logs_it()
    {
        using var recovered = Counter(AgentOsInstruments.RecoveryRecovered);
        var item = _host.Services.GetRequiredService<WorkQueue>().Enqueue("sweep-kind");
        Assert.NotNull(_host.Services.GetRequiredService<LeaseManager>().TryAcquire(item.Id, TimeSpan.FromSeconds(5)));
        _clock.Advance(TimeSpan.FromSeconds(6));

        var stats = _host.Services.GetRequiredService<RecoverySweep>().ScanAndRecover();

        Assert.Equal(1, stats.Recovered);
        var measurement = Assert.Single(recovered.GetMeasurementSnapshot());
        Assert.Equal(("requeued", 1L), ((string)measurement.Tags[AgentOsTags.RecoveryOutcome]!, measurement.Value));
        var span = Assert.Single(_spans.Stopped(AgentOsInstruments.RecoverySweepActivity), s => Equals(s.GetTagItem(AgentOsTags.RecoveryRequeued), 1));
        Assert.Equal(1, span.GetTagItem(AgentOsTags.RecoveryFound));
        Assert.Contains("1 re-queued", Assert.Single(Logs(301)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_llm_cache_counts_lookups_by_result_and_traces_each()
    {
        using var lookups = Counter(AgentOsInstruments.LlmCacheLookups);
        var cache = _host.Services.GetRequiredService<LlmOutputCache>();
        var calls = 0;

        Assert.Equal("answer", await cache.GetOrCreateAsync("summarize", "prompt-telemetry", "model-x", _ => { calls++; return Task.FromResult("answer"); }));
        Assert.Equal("answer", await cache.GetOrCreateAsync("summarize", "prompt-telemetry", "model-x", _ => { calls++; return Task.FromResult("other"); }));

        Assert.Equal(1, calls);
        Assert.Equal("{lookup}", lookups.Instrument!.Unit);
        Assert.Equal(["miss", "hit"], lookups.GetMeasurementSnapshot().Select(m => (string)m.Tags[AgentOsTags.Result]!));
        var spans = _spans.Stopped(AgentOsInstruments.LlmCacheLookupActivity);
        Assert.Contains(spans, s => Equals(s.GetTagItem(AgentOsTags.Result), "miss"));
        Assert.Contains(spans, s => Equals(s.GetTagItem(AgentOsTags.Result), "hit"));
        Assert.Null(Activity.Current);
    }

    [Fact]
    public async Task The_tool_ledger_counts_executed_replayed_and_in_doubt_calls_and_logs_the_claim_in_doubt()
    {
        using var calls = Counter(AgentOsInstruments.ToolLedgerCalls);
        var ledger = _host.Services.GetRequiredService<ToolLedger>();
        var idempotency = _host.Services.GetRequiredService<IdempotencyStore>();
        static Task<ToolResult> Run(CancellationToken _) => Task.FromResult(new ToolResult(0, "ok", string.Empty));

        await ledger.ExecuteOrReplayAsync("git", "git push", Run);
        await ledger.ExecuteOrReplayAsync("git", "git push", Run);

        // A claim whose owner "crashed": it expires without an outcome, and the next call finds it in doubt.
        var claim = idempotency.TryClaim(ToolLedger.CreateKey("deploy", "deploy v2"));
        Assert.NotNull(claim.Claim);
        _clock.Advance(TimeSpan.FromMinutes(6));
        var retried = await ledger.ExecuteOrReplayAsync("deploy", "deploy v2", Run);
        Assert.True(retried.PreviousAttemptInDoubt);

        Assert.Equal("{call}", calls.Instrument!.Unit);
        Assert.Equal(["executed", "replayed", "in_doubt"], calls.GetMeasurementSnapshot().Select(m => (string)m.Tags[AgentOsTags.Result]!));
        Assert.Contains(_spans.Stopped(AgentOsInstruments.ToolLedgerCallActivity, AgentOsTags.Tool, "deploy"), s => Equals(s.GetTagItem(AgentOsTags.Result), "in_doubt"));
        var log = Assert.Single(Logs(501));
        Assert.Equal("ClaimInDoubt", log.Id.Name);
        Assert.Contains("worker-t", log.Message, StringComparison.Ordinal);
    }
}
