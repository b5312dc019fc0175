using System.Collections.Concurrent;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>A small pool of <see cref="CheckpointConnection"/>s: one per concurrent caller, at most <see cref="MaxIdle"/> kept idle.</summary>
internal sealed class CheckpointConnectionPool : IDisposable
{
    private const int MaxIdle = 16;

    private readonly AgentOsStore _store;
    private readonly ConcurrentQueue<CheckpointConnection> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public CheckpointConnectionPool(AgentOsStore store)
    {
        _store = store;
    }

    public CheckpointConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryDequeue(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }

        return new CheckpointConnection(_store);
    }

    /// <summary>Returns a connection after use; one whose state is in doubt (after an error) is closed instead.</summary>
    public void Return(CheckpointConnection connection, bool reusable)
    {
        if (reusable && !_disposed)
        {
            if (Interlocked.Increment(ref _idleCount) <= MaxIdle)
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
