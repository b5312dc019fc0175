using System.Globalization;

namespace AgentOs.Sdk.Leases;

/// <summary>
/// Renews a lease at a fixed interval on a connection of its own, and reports a lost lease at once: the first renewal
/// that fails cancels <see cref="LeaseLost"/> and raises <see cref="Lost"/>. There are no retries, because a retry that
/// succeeds after the lease expired would hide that another worker may already own the item.
/// </summary>
/// <remarks>
/// Created by <see cref="LeaseManager.StartHeartbeat"/>. Timers come from the manager's <see cref="TimeProvider"/>, so a
/// fake clock drives the heartbeat in tests. Pass <see cref="LeaseLost"/> to the work so that it stops when the lease is
/// gone; disposing stops the heartbeat but does not release the lease.
/// </remarks>
public sealed class LeaseHeartbeat : IAsyncDisposable, IDisposable
{
    private readonly LeaseManager _manager;
    private readonly TimeSpan _renewalDuration;
    private readonly CancellationTokenSource _lost = new();
    // Kept apart from the source, so the token can still be read after the heartbeat is disposed.
    private readonly CancellationToken _lostToken;
    // Serialises a renewal with disposal, so the connection is never closed under a running renewal.
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private Lease _lease;
    private LeaseLostException? _failure;
    private long _renewals;
    private bool _disposed;

    internal LeaseHeartbeat(LeaseManager manager, Lease lease, TimeSpan interval, TimeSpan renewalDuration)
    {
        _manager = manager;
        _lease = lease;
        _renewalDuration = renewalDuration;
        _lostToken = _lost.Token;
        Interval = interval;
        // Its own connection: a renewal never waits behind the worker's connection or shares its transaction.
        _timer = manager.TimeProvider.CreateTimer(static state => ((LeaseHeartbeat)state!).Tick(), this, interval, interval);
    }

    /// <summary>Raised once, on the thread of the failed renewal, when the lease is lost.</summary>
    /// <remarks>A handler added after the loss is not called; check <see cref="IsLost"/> or register on <see cref="LeaseLost"/>, which runs at once if already cancelled.</remarks>
    public event EventHandler<LeaseLostEventArgs>? Lost;

    /// <summary>Cancelled at once when a renewal fails: the worker must stop, as it may no longer own the item.</summary>
    public CancellationToken LeaseLost => _lostToken;

    /// <summary>Whether the lease was lost.</summary>
    public bool IsLost => Volatile.Read(ref _failure) is not null;

    /// <summary>Why the lease was lost, or null while it is held.</summary>
    public LeaseLostException? Failure => Volatile.Read(ref _failure);

    /// <summary>The lease as last renewed (same epoch, latest expiry).</summary>
    public Lease Lease => Volatile.Read(ref _lease);

    /// <summary>How often the heartbeat renews.</summary>
    public TimeSpan Interval { get; }

    /// <summary>How many renewals succeeded.</summary>
    public long Renewals => Interlocked.Read(ref _renewals);

    /// <summary>Throws the <see cref="Failure"/> if the lease was lost; call it before work that must not run without the lease.</summary>
    /// <exception cref="LeaseLostException">The lease was lost.</exception>
    public void ThrowIfLost()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>Stops renewing and closes the heartbeat's connection. The lease stays held until it expires or is released.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _lost.Dispose();
    }

    /// <summary>Stops renewing; see <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Tick()
    {
        LeaseLostException? failure = null;
        // A tick that finds the previous renewal still running skips: renewals never queue up behind a slow one.
        if (!_gate.TryEnter())
        {
            return;
        }

        try
        {
            if (_disposed || _failure is not null)
            {
                return;
            }

            try
            {
                Volatile.Write(ref _lease, _manager.Renew(_lease, _renewalDuration));
                Interlocked.Increment(ref _renewals);
                return;
            }
            catch (LeaseLostException ex)
            {
                failure = ex;
            }
            catch (Exception ex)
            {
                // Whatever went wrong (usually a StoreException), the lease can no longer be proven: report it, never
                // let it escape the timer thread and take the process down.
                failure = _manager.ReportLost(new LeaseLostException(
                    _lease,
                    LeaseLostReason.RenewalFailed,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"The heartbeat of worker '{_lease.Holder}' could not renew lease epoch {_lease.Epoch} on work item '{_lease.WorkItemId}': {ex.Message}. The lease may have lapsed; the worker must stop."),
                    current: null,
                    innerException: ex));
            }

            Volatile.Write(ref _failure, failure);
        }
        finally
        {
            _gate.Exit();
        }

        try
        {
            // No more renewals after a loss: a later one could only succeed by accident.
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // Outside the lock: a callback or handler may dispose the heartbeat.
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the loss was being reported: the owner has stopped listening.
            return;
        }

        Lost?.Invoke(this, new LeaseLostEventArgs(failure));
    }
}
