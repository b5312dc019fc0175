using System.Collections.Concurrent;
using AgentOs.Sdk.Leases;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// The heartbeats this host keeps alive. Start a lease's heartbeat here instead of with
/// <see cref="LeaseManager.StartHeartbeat"/>, and the host stops it and releases the lease when it stops
/// (<c>IHostApplicationLifetime.ApplicationStopping</c>), so the item is back in the queue at once instead of after the lease expires.
/// </summary>
/// <remarks>
/// A lease released at shutdown is released as not successful: the item returns to <c>pending</c> while it has attempts
/// left (the attempt it used counts). Work still running under it finds the lease gone at its next fenced write
/// (<see cref="LeaseLostException"/>), so nothing it writes after the release lands.
/// </remarks>
public sealed class LeaseHeartbeatRegistry : IDisposable
{
    /// <summary>The error recorded on items whose lease the host released when it stopped.</summary>
    public const string StoppedError = "The host stopped while the work item was leased; released for another worker.";

    private readonly LeaseManager _leases;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<LeaseHeartbeat, byte> _active = new();

    /// <summary>Creates a registry over <paramref name="leases"/>.</summary>
    public LeaseHeartbeatRegistry(LeaseManager leases, ILogger<LeaseHeartbeatRegistry>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(leases);
        _leases = leases;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>How many heartbeats are running.</summary>
    public int ActiveCount => _active.Count;

    /// <summary>Starts renewing <paramref name="lease"/> (see <see cref="LeaseManager.StartHeartbeat"/>) and tracks it until it is released or the host stops.</summary>
    public LeaseHeartbeat Start(Lease lease, TimeSpan? interval = null, TimeSpan? renewalDuration = null)
    {
        var heartbeat = _leases.StartHeartbeat(lease, interval, renewalDuration);
        _active[heartbeat] = 0;
        return heartbeat;
    }

    /// <summary>Stops the heartbeat and releases its lease with the outcome (see <see cref="LeaseManager.ReleaseAsync"/>).</summary>
    /// <exception cref="LeaseLostException">The lease was lost before the release.</exception>
    public async Task<WorkItemStatus> ReleaseAsync(LeaseHeartbeat heartbeat, bool success, string? output = null, string? error = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        _active.TryRemove(heartbeat, out _);
        var lease = heartbeat.Lease;
        await heartbeat.DisposeAsync().ConfigureAwait(false);
        return await _leases.ReleaseAsync(lease, success, output, error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every heartbeat and releases each lease still held (as not successful). Called when the host stops.</summary>
    public void StopAll()
    {
        foreach (var heartbeat in _active.Keys)
        {
            if (!_active.TryRemove(heartbeat, out _))
            {
                continue;
            }

            var lease = heartbeat.Lease;
            var lost = heartbeat.IsLost;
            heartbeat.Dispose();
            if (lost)
            {
                continue;
            }

            try
            {
                var status = _leases.Release(lease, success: false, error: StoppedError);
                HostingLog.LeaseReleased(_logger, lease.Epoch, lease.WorkItemId, lease.Holder, status);
            }
            catch (Exception ex) when (ex is LeaseLostException or Storage.StoreException or ObjectDisposedException)
            {
                HostingLog.LeaseReleaseFailed(_logger, lease.Epoch, lease.WorkItemId, ex.Message);
            }
        }
    }

    /// <summary>Stops every heartbeat and releases its lease; see <see cref="StopAll"/>.</summary>
    public void Dispose() => StopAll();
}
