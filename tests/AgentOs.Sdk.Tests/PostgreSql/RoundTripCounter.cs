using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// A TCP relay between a store and a real PostgreSQL server that counts round trips: each time a connection's client
/// speaks after the server did (or first), that is one more round trip. It sees the wire, not the driver, so a BEGIN
/// that Npgsql sends with the first statement, statements sent together, and a COMMIT each count for what they cost.
/// </summary>
/// <remarks>
/// Deterministic because PostgreSQL answers only after a client's message is complete (it flushes its replies at
/// <c>Sync</c>), so one client turn never interleaves with a server reply. Point a store at <see cref="ConnectionString"/>.
/// </remarks>
internal sealed class RoundTripCounter : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _serverHost;
    private readonly int _serverPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly Task _accepting;
    private long _roundTrips;

    private RoundTripCounter(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        _serverHost = builder.Host ?? "127.0.0.1";
        _serverPort = builder.Port;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        builder.Host = "127.0.0.1";
        builder.Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        ConnectionString = builder.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The server's connection string with the host and port of this relay.</summary>
    public string ConnectionString { get; }

    /// <summary>Round trips made through the relay since it started or since the last <see cref="Reset"/>.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Starts a relay in front of the server that <paramref name="connectionString"/> names.</summary>
    public static RoundTripCounter Start(string connectionString) => new(connectionString);

    /// <summary>Starts counting again from zero.</summary>
    public void Reset() => Interlocked.Exchange(ref _roundTrips, 0);

    /// <summary>How many round trips <paramref name="operation"/> made.</summary>
    public async Task<long> CountAsync(Func<Task> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Reset();
        await operation();
        return RoundTrips;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        Task[] relays;
        lock (_relays)
        {
            relays = [.. _relays];
        }

        await Task.WhenAll(relays);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_relays)
            {
                _relays.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            client.NoDelay = true;
            server.NoDelay = true;
            try
            {
                await server.ConnectAsync(_serverHost, _serverPort, _stop.Token);
                var turn = new Turn();
                var up = PumpAsync(client.GetStream(), server.GetStream(), turn, fromClient: true);
                var down = PumpAsync(server.GetStream(), client.GetStream(), turn, fromClient: false);
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // One side closed or the relay stopped: the connection ends.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Turn turn, bool fromClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                lock (turn)
                {
                    if (fromClient && !turn.ClientSpokeLast)
                    {
                        Interlocked.Increment(ref _roundTrips);
                    }

                    turn.ClientSpokeLast = fromClient;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The other side went away.
        }
        finally
        {
            try
            {
                // Ends the other direction too, so that the relay of this connection finishes.
                to.Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }
        }
    }

    private sealed class Turn
    {
        public bool ClientSpokeLast { get; set; }
    }
}
