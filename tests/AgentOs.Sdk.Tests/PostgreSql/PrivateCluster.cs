using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// A PostgreSQL cluster of one test's own, for what the shared server must not suffer: a restart in the middle of a
/// transaction, and password authentication (the shared server trusts every local connection). Host connections need
/// a SCRAM password; the superuser's is <see cref="Password"/>.
/// </summary>
internal sealed class PrivateCluster : IAsyncDisposable
{
    public const string Password = "s3cret-cluster-password";
    private const string Superuser = "agentos";

    private readonly string _bin;
    private readonly string _directory;
    private readonly int _port;

    private PrivateCluster(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        _port = port;
    }

    /// <summary>A connection string to database <c>postgres</c> with the right password.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = Superuser,
        Password = Password,
        Database = "postgres",
    }.ConnectionString;

    /// <summary>Why no private cluster can start here (no server binaries), or null.</summary>
    public static string? UnavailableReason => Bin() is null ? "PostgreSQL server binaries (initdb, pg_ctl) are not installed" : null;

    public static async Task<PrivateCluster> StartAsync()
    {
        var bin = Bin() ?? throw new InvalidOperationException(UnavailableReason);
        var directory = Path.Combine("/tmp", $"agentos-pgp-{Environment.ProcessId}-{Guid.NewGuid():N}"[..36]);
        Directory.CreateDirectory(directory);
        var passwordFile = directory + ".pw";
        await File.WriteAllTextAsync(passwordFile, Password);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", "postgres", directory, passwordFile);
        }

        var data = Path.Combine(directory, "data");
        await RunServerAsync(bin, "initdb", "-D", data, "-U", Superuser, "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile, "--no-sync", "-E", "UTF8", "--locale=C");
        File.Delete(passwordFile);
        var port = FreePort();
        var cluster = new PrivateCluster(bin, directory, port);
        await cluster.PgCtlAsync("start");
        return cluster;
    }

    /// <summary><c>pg_ctl restart -m fast</c>: every session is terminated (57P01), the server comes back on the same port.</summary>
    public Task RestartAsync() => PgCtlAsync("restart");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunServerAsync(_bin, "pg_ctl", "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_directory, recursive: true);
    }

    private Task PgCtlAsync(string action) => RunServerAsync(
        _bin, "pg_ctl", "-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"), "-m", "fast",
        "-o", $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1", "-w", "-t", "60", action);

    private static string? Bin() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).Order().LastOrDefault()
        : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunServerAsync(string bin, string program, params string[] arguments) =>
        Environment.IsPrivilegedProcess
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, program), .. arguments])
            : RunAsync(Path.Combine(bin, program), arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}

/// <summary>A fact that starts a private PostgreSQL cluster; skipped with the reason when the server binaries are missing.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class PrivateClusterFactAttribute : FactAttribute
{
    public PrivateClusterFactAttribute()
    {
        if (PrivateCluster.UnavailableReason is { } reason && Environment.GetEnvironmentVariable("AGENTOS_REQUIRE_POSTGRES") != "1")
        {
            Skip = reason;
        }
    }
}
