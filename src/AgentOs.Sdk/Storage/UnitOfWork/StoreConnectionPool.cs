using System.Collections.Concurrent;
using System.Data;
using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.Storage.UnitOfWork;

/// <summary>The store's idle <see cref="StoreConnection"/>s: one per concurrent caller, at most the provider's <see cref="StoreProvider.MaxIdleConnections"/> kept.</summary>
internal sealed class StoreConnectionPool : IDisposable
{
    private readonly StoreProvider _provider;
    private readonly ConcurrentQueue<StoreConnection> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    private readonly TimeProvider _clock;

    public StoreConnectionPool(StoreProvider provider, TimeProvider clock)
    {
        _provider = provider;
        _clock = clock;
    }

    public async ValueTask<StoreConnection> RentAsync(bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (_idle.TryDequeue(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            if (connection.Connection.State == ConnectionState.Open)
            {
                return connection;
            }

            // Broken while idle (the driver saw the server go): never handed out.
            connection.Dispose();
        }

        var opened = await _provider.OpenConnectionAsync(async, cancellationToken).ConfigureAwait(false);
        return new StoreConnection(opened, _provider.Dialect);
    }

    /// <summary>Returns a connection after use; one whose state is in doubt (after a database error) or that the driver closed is closed instead.</summary>
    public void Return(StoreConnection connection, bool reusable)
    {
        if (reusable && !_disposed && connection.Connection.State == ConnectionState.Open)
        {
            connection.ReturnedAt = _clock.GetTimestamp();
            if (Interlocked.Increment(ref _idleCount) <= _provider.MaxIdleConnections)
            {
                _idle.Enqueue(connection);
                if (_disposed)
                {
                    // Dispose ran while this connection was being returned: close what is idle so nothing stays open.
                    Drain();
                }

                return;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        connection.Dispose();
    }

    /// <summary>Closes every idle connection (after the server was lost: they all died with it); connections in use are discarded when returned with an error.</summary>
    public void Clear() => Drain();

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private void Drain()
    {
        while (_idle.TryDequeue(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
        }
    }
}
