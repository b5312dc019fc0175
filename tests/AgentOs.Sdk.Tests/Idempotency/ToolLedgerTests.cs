using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.Idempotency;

public abstract class ToolLedgerTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private AgentOsStore _store = null!;
    private IdempotencyStore _idempotency = null!;
    private ToolLedger _ledger = null!;

    protected override Task InitializeTestAsync()
    {
        _store = Database.Open();
        _idempotency = new IdempotencyStore(_store, "worker-1", _clock);
        _ledger = new ToolLedger(_idempotency);
        return Task.CompletedTask;
    }

    protected override Task DisposeTestAsync()
    {
        _idempotency?.Dispose();
        return Task.CompletedTask;
    }

    [ConformanceFact]
    public async Task A_command_runs_once_and_is_replayed_with_the_same_result()
    {
        var runs = 0;
        Task<ToolResult> Run(CancellationToken _) => Task.FromResult(new ToolResult(0, $"run {++runs}", "warning: x"));

        var first = await _ledger.ExecuteOrReplayAsync("git", "git status", Run);
        var second = await _ledger.ExecuteOrReplayAsync("git", "git status", Run);

        Assert.Equal(1, runs);
        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Result, second.Result);
        Assert.Equal(new ToolResult(0, "run 1", "warning: x"), second.Result);
        Assert.Equal(new ToolLedgerStatistics(Executions: 1, Replays: 1), _ledger.Statistics);
        Assert.Equal(0.5, _ledger.Statistics.ReplayRate);
    }

    [ConformanceFact]
    public async Task A_failed_command_is_recorded_as_failed_not_success_and_runs_again()
    {
        var runs = 0;
        Task<ToolResult> Run(CancellationToken _) => Task.FromResult(++runs == 1 ? new ToolResult(137, "partial", "killed") : new ToolResult(0, "complete", string.Empty));

        var failed = await _ledger.ExecuteOrReplayAsync("make", "make all", Run);
        var record = _idempotency.Find(ToolLedger.CreateKey("make", "make all"))!;
        var retried = await _ledger.ExecuteOrReplayAsync("make", "make all", Run);

        Assert.Equal(137, failed.Result.ExitCode);
        Assert.Equal(IdempotencyStatus.Failed, record.Status);
        Assert.Equal(137, record.ExitCode);
        Assert.Contains("137", record.Error, StringComparison.Ordinal);
        Assert.Equal(2, runs);
        Assert.False(retried.Replayed);
        Assert.Equal(new ToolResult(0, "complete", string.Empty), retried.Result);
        Assert.Equal(IdempotencyStatus.Succeeded, _idempotency.Find(ToolLedger.CreateKey("make", "make all"))!.Status);
    }

    [ConformanceFact]
    public async Task A_failed_command_is_replayed_as_the_failure_it_was_when_the_caller_caches_failures()
    {
        var options = new ToolLedgerOptions { CacheFailures = true };
        var runs = 0;
        Task<ToolResult> Run(CancellationToken _) => Task.FromResult(new ToolResult(2, $"out {++runs}", "No such file"));

        await _ledger.ExecuteOrReplayAsync("ls", "ls /missing", Run, options);
        var replay = await _ledger.ExecuteOrReplayAsync("ls", "ls /missing", Run, options);

        Assert.Equal(1, runs);
        Assert.True(replay.Replayed);
        Assert.Equal(new ToolResult(2, "out 1", "No such file"), replay.Result);
        Assert.False(replay.Result.Succeeded);
    }

    [ConformanceFact]
    public async Task Output_over_ten_thousand_characters_is_returned_whole_to_the_first_caller_and_replayed_whole()
    {
        var stdout = SampleText.Long(50_000);
        var stderr = SampleText.Long(20_000);

        var first = await _ledger.ExecuteOrReplayAsync("build", "dotnet build", _ => Task.FromResult(new ToolResult(0, stdout, stderr)));
        var replay = await _ledger.ExecuteOrReplayAsync("build", "dotnet build", _ => Task.FromResult(new ToolResult(0, "unused", "unused")));

        Assert.Equal(stdout, first.Result.Stdout);
        Assert.Equal(stderr, first.Result.Stderr);
        Assert.True(replay.Replayed);
        Assert.Equal(stdout, replay.Result.Stdout);
        Assert.Equal(stderr, replay.Result.Stderr);
    }

    [ConformanceFact]
    public async Task Force_execute_reruns_the_command_and_records_the_new_result()
    {
        await _ledger.ExecuteOrReplayAsync("date", "date", _ => Task.FromResult(new ToolResult(0, "monday", string.Empty)));

        var forced = await _ledger.ExecuteOrReplayAsync("date", "date", _ => Task.FromResult(new ToolResult(0, "tuesday", string.Empty)), new ToolLedgerOptions { ForceExecute = true });
        var replay = await _ledger.ExecuteOrReplayAsync("date", "date", _ => Task.FromResult(new ToolResult(0, "unused", string.Empty)));

        Assert.False(forced.Replayed);
        Assert.Equal("tuesday", forced.Result.Stdout);
        Assert.Equal("tuesday", replay.Result.Stdout);
        Assert.Equal(new ToolLedgerStatistics(Executions: 2, Replays: 1), _ledger.Statistics);
    }

    [ConformanceFact]
    public async Task The_same_command_in_another_scope_runs_on_its_own()
    {
        await _ledger.ExecuteOrReplayAsync("sh", "ls", _ => Task.FromResult(new ToolResult(0, "repo-a files", string.Empty)), new ToolLedgerOptions { Scope = "/repo/a" });

        var other = await _ledger.ExecuteOrReplayAsync("sh", "ls", _ => Task.FromResult(new ToolResult(0, "repo-b files", string.Empty)), new ToolLedgerOptions { Scope = "/repo/b" });

        Assert.False(other.Replayed);
        Assert.Equal("repo-b files", other.Result.Stdout);
    }

    [ConformanceFact]
    public async Task A_command_whose_previous_run_crashed_mid_claim_runs_again_and_says_the_previous_run_is_in_doubt()
    {
        // The crashed worker ran on another host, with a store of its own.
        var crashed = new IdempotencyStore(Database.Open(), "crashed-worker", _clock);
        crashed.TryClaim(ToolLedger.CreateKey("deploy", "deploy --prod"));
        _clock.Advance(TimeSpan.FromMinutes(5));

        var result = await _ledger.ExecuteOrReplayAsync("deploy", "deploy --prod", _ => Task.FromResult(new ToolResult(0, "deployed", string.Empty)));

        Assert.False(result.Replayed);
        Assert.True(result.PreviousAttemptInDoubt);
        crashed.Dispose();
    }

    [ConformanceFact]
    public async Task A_failed_command_on_one_host_runs_again_on_another_and_only_its_success_is_replayed_everywhere()
    {
        using var otherHost = new IdempotencyStore(Database.Open(), "worker-2", _clock);
        var other = new ToolLedger(otherHost);

        var failedRun = await _ledger.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(2, string.Empty, "error")));
        var rerun = await other.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(0, "built", string.Empty)));
        var replay = await _ledger.ExecuteOrReplayAsync("sh", "make", _ => Task.FromResult(new ToolResult(0, "built twice", string.Empty)));

        Assert.False(failedRun.Replayed);
        Assert.Equal(2, failedRun.Result.ExitCode);
        Assert.False(rerun.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal("built", replay.Result.Stdout);
        Assert.Equal(2L, await Database.ScalarAsync<long>("SELECT claim_epoch FROM idempotency_keys"));
    }
}

public sealed class ToolLedgerTests_Sqlite(SqliteProvider provider) : ToolLedgerTests<SqliteProvider>(provider);

public sealed class ToolLedgerTests_PostgreSql(PostgreSqlProvider provider) : ToolLedgerTests<PostgreSqlProvider>(provider);
