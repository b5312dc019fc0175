using AgentOs.Sdk.Leases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Hosting.Tests;

public sealed class RecoverySweepServiceTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TestDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_sweep_recovers_an_expired_lease_while_the_host_runs()
    {
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.SweepInterval = TimeSpan.FromSeconds(30);
            o.SweepJitter = TimeSpan.Zero;
            o.WorkerId = "crashed-worker";
        });
        await host.StartAsync();
        var queue = host.Services.GetRequiredService<WorkQueue>();
        var item = queue.Enqueue("report");
        var lease = host.Services.GetRequiredService<LeaseManager>().TryAcquire(item.Id, TimeSpan.FromSeconds(10));
        Assert.NotNull(lease);

        var state = host.Services.GetRequiredService<AgentOsRecoveryState>();
        var sweep = host.Services.GetServices<IHostedService>().OfType<AgentOsRecoverySweepService>().Single();
        await sweep.Waiting.WaitAsync(Bound);

        // The worker "crashed": nobody renews. The lease expires after 10 s; the sweep runs at 30 s.
        var run = state.NextSweep();
        _clock.Advance(TimeSpan.FromSeconds(30));
        var stats = await run.WaitAsync(Bound);

        Assert.NotNull(stats);
        Assert.Equal(1, stats.ExpiredFound);
        Assert.Equal(1, stats.Recovered);
        var recovered = queue.Find(item.Id)!;
        Assert.Equal(WorkItemStatus.Pending, recovered.Status);
        Assert.Contains("crashed-worker", recovered.Error, StringComparison.Ordinal);
        Assert.Same(stats, state.LastSweep);

        // And again on the next tick: nothing left to do, the service keeps running.
        run = state.NextSweep();
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await run.WaitAsync(Bound))!.ExpiredFound);
        Assert.Equal(2, state.SweepRuns);

        await host.StopAsync();
        Assert.True(sweep.ExecuteTask!.IsCompletedSuccessfully, "the sweep stops cleanly");
    }

    [Fact]
    public async Task A_failing_run_is_retried_with_backoff_and_never_stops_the_host()
    {
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.SweepInterval = TimeSpan.FromSeconds(10);
            o.SweepJitter = TimeSpan.Zero;
            o.SweepMaxBackoff = TimeSpan.FromSeconds(25);
        });
        await host.StartAsync();
        var state = host.Services.GetRequiredService<AgentOsRecoveryState>();
        var sweep = host.Services.GetServices<IHostedService>().OfType<AgentOsRecoverySweepService>().Single();
        await sweep.Waiting.WaitAsync(Bound);

        // Break the store under the running host: the work_items table disappears, so each run throws.
        using (var connection = host.Services.GetRequiredService<Storage.AgentOsStore>().OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "ALTER TABLE work_items RENAME TO work_items_away";
            command.ExecuteNonQuery();
        }

        var run = state.NextSweep();
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await run.WaitAsync(Bound));

        // Back-off: 20 s after the first failure, not 10.
        run = state.NextSweep();
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(run.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await run.WaitAsync(Bound));

        // Capped at 25 s; then the store is repaired and the next run succeeds.
        using (var connection = host.Services.GetRequiredService<Storage.AgentOsStore>().OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "ALTER TABLE work_items_away RENAME TO work_items";
            command.ExecuteNonQuery();
        }

        run = state.NextSweep();
        _clock.Advance(TimeSpan.FromSeconds(25));
        Assert.NotNull(await run.WaitAsync(Bound));
        Assert.False(sweep.ExecuteTask!.IsCompleted, "a failing sweep never ends the service");
        await host.StopAsync();
    }

    [Fact]
    public void Jitter_delays_each_run_by_at_most_the_configured_jitter_and_backoff_doubles_up_to_the_cap()
    {
        var options = new AgentOsOptions { SweepInterval = TimeSpan.FromSeconds(30), SweepJitter = TimeSpan.FromSeconds(3), SweepMaxBackoff = TimeSpan.FromMinutes(2) };
        var delays = Enumerable.Range(0, 200).Select(_ => AgentOsRecoverySweepService.NextDelay(options, failures: 0)).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(33)));
        Assert.True(delays.Distinct().Count() > 1, "runs are spread, not in step");
        Assert.Equal(TimeSpan.FromSeconds(60), AgentOsRecoverySweepService.NextDelay(options, 1));
        Assert.Equal(TimeSpan.FromSeconds(120), AgentOsRecoverySweepService.NextDelay(options, 2));
        Assert.Equal(TimeSpan.FromSeconds(120), AgentOsRecoverySweepService.NextDelay(options, 30));
    }
}
