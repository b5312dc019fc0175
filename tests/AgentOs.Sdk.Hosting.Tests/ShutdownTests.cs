using AgentOs.Sdk.Leases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Hosting.Tests;

public sealed class ShutdownTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Stopping_the_host_stops_the_sweep_and_heartbeats_and_releases_the_leases()
    {
        using var host = HostFactory.Build(_clock, o =>
        {
            o.DatabasePath = _dir.File("agentos.sqlite");
            o.WorkerId = "worker-a";
        });
        await host.StartAsync();
        var queue = host.Services.GetRequiredService<WorkQueue>();
        var leases = host.Services.GetRequiredService<LeaseManager>();
        var registry = host.Services.GetRequiredService<LeaseHeartbeatRegistry>();
        var first = queue.Enqueue("step");
        var second = queue.Enqueue("step");
        var heartbeat = registry.Start(leases.TryAcquire(first.Id, TimeSpan.FromMinutes(1))!);
        var done = registry.Start(leases.TryAcquire(second.Id, TimeSpan.FromMinutes(1))!);

        // Heartbeats renew on the host's clock.
        _clock.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(1, heartbeat.Renewals);
        Assert.Equal(WorkItemStatus.Succeeded, await registry.ReleaseAsync(done, success: true, output: "ok"));
        Assert.Equal(1, registry.ActiveCount);

        var sweep = host.Services.GetServices<IHostedService>().OfType<AgentOsRecoverySweepService>().Single();
        await host.StopAsync();

        Assert.True(sweep.ExecuteTask!.IsCompleted);
        Assert.Equal(0, registry.ActiveCount);
        var released = queue.Find(first.Id)!;
        Assert.Equal(WorkItemStatus.Pending, released.Status);
        Assert.Null(released.LeaseHolder);
        Assert.Equal(LeaseHeartbeatRegistry.StoppedError, released.Error);
        Assert.Equal(WorkItemStatus.Succeeded, queue.Find(second.Id)!.Status);

        // The heartbeat is stopped: time passing renews nothing, and work under the old lease is fenced out.
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, heartbeat.Renewals);
        Assert.Throws<LeaseLostException>(() => leases.Renew(heartbeat.Lease, TimeSpan.FromMinutes(1)));
    }
}
