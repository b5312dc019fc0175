using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// A real PostgreSQL server for tests and benchmarks, found or started in this order:
/// <list type="number">
/// <item>the connection string in <c>AGENTOS_TEST_POSTGRES</c> (CI sets it; its role needs <c>CREATEDB</c>);</item>
/// <item>otherwise a throwaway cluster of the installed server (<c>/usr/lib/postgresql/*/bin</c> or <c>pg_ctl</c> on PATH) in a
/// temp folder on 127.0.0.1 and a free port, run as user <c>postgres</c> when we are root (the server refuses root), stopped
/// and deleted when the process exits;</item>
/// <item>otherwise none: <see cref="SkipReason"/> says why, and <c>AGENTOS_REQUIRE_POSTGRES=1</c> turns that into a failure.</item>
/// </list>
/// Link this file and <c>ProcessWatchdog.cs</c> into a project (<c>&lt;Compile Include="..\Shared\PostgresServer.cs" Link="Shared\PostgresServer.cs" /&gt;</c>)
/// with a reference to Npgsql; test projects also link <c>PostgresFactAttribute.cs</c> and <c>PostgresDatabase.cs</c>.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>The environment variable that names an existing server (an Npgsql connection string).</summary>
    public const string ConnectionStringVariable = "AGENTOS_TEST_POSTGRES";

    /// <summary>The environment variable that, set to <c>1</c>, makes a missing server fail the tests instead of skipping them.</summary>
    public const string RequireVariable = "AGENTOS_REQUIRE_POSTGRES";

    /// <summary>How the throwaway clusters' folders start; the process id that follows lets a later run remove leftovers.</summary>
    private const string ClusterPrefix = "agentos-pg-";
    private const string Superuser = "agentos";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    // One server per process (a test assembly), started on first use and stopped when the process exits.
    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartSharedAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly string? _dataDirectory;
    private readonly string? _binDirectory;
    private int _stopped;

    private PostgresServer(string connectionString, string? dataDirectory, string? binDirectory)
    {
        ConnectionString = connectionString;
        _dataDirectory = dataDirectory;
        _binDirectory = binDirectory;
    }

    /// <summary>A connection string to the server's maintenance database, as a role that may create databases.</summary>
    public string ConnectionString { get; }

    /// <summary>The process id of the server this process started (its postmaster), or null for a server it was given.</summary>
    public int? ProcessId
    {
        get
        {
            try
            {
                // The first line of postmaster.pid is the postmaster's process id.
                return _dataDirectory is null ? null : int.Parse(File.ReadLines(Path.Combine(_dataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>Whether a missing server must fail the tests (<c>AGENTOS_REQUIRE_POSTGRES=1</c>, set by CI).</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>
    /// Why there is no server to test against, or null when there is one (or it is required, so the test must run and fail).
    /// Cheap: looks at the environment and the file system only; nothing is started.
    /// </summary>
    public static string? SkipReason => Required ? null : UnavailableReason();

    /// <summary>The process-wide server, started once; fails with a clear message when there is none.</summary>
    public static Task<PostgresServer> GetSharedAsync() => SharedServer.Value;

    /// <summary>
    /// Starts a server of its own (or wraps <c>AGENTOS_TEST_POSTGRES</c>); the caller disposes it. Tests use
    /// <see cref="GetSharedAsync"/>; a benchmark process uses this.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var given = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            return new PostgresServer(given, dataDirectory: null, binDirectory: null);
        }

        if (UnavailableReason() is { } reason)
        {
            throw new InvalidOperationException($"No PostgreSQL server for the tests: {reason}");
        }

        var bin = FindBinDirectory()!;
        RemoveLeftoverClusters(bin);
        // Under /tmp, not $TMPDIR: the postgres user must reach it, and the socket path must stay short.
        var dataDirectory = Path.Combine("/tmp", $"{ClusterPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        await RunAsync(bin, "initdb", ["-D", dataDirectory, "-A", "trust", "-U", Superuser, "-E", "UTF8", "--locale=C", "--no-sync"], cancellationToken)
            .ConfigureAwait(false);

        // A free port can be taken between the probe and the start by a server another test assembly starts: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var options = $"-p {port} -k {dataDirectory} -c listen_addresses=127.0.0.1 -c max_connections=200";
            try
            {
                await RunAsync(bin, "pg_ctl", ["-D", dataDirectory, "-l", Path.Combine(dataDirectory, "server.log"), "-o", options, "-w", "-t", "90", "start"], cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                continue;
            }
            catch
            {
                DeleteCluster(bin, dataDirectory);
                throw;
            }

            StartWatchdog(bin, dataDirectory);
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = Superuser,
                Database = "postgres",
            };
            return new PostgresServer(builder.ConnectionString, dataDirectory, bin);
        }
    }

    /// <summary>
    /// Creates an empty database (from <c>template0</c>, so nothing a test left in <c>template1</c> leaks in) and returns a
    /// connection string to it. Name it after the test class: it shows in the server's log and in <c>pg_stat_activity</c>.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string label, CancellationToken cancellationToken = default)
    {
        var safe = new string(label.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        var name = $"t_{(safe.Length > 30 ? safe[..30] : safe)}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE template0", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing whatever is still connected to it.</summary>
    public async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database
            ?? throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        // Idle pooled connections of this process would otherwise be killed under the pool's feet by FORCE.
        await using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops a cluster this object started and deletes its folder; a server given by the environment is left alone.</summary>
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (_dataDirectory is null || Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        DeleteCluster(_binDirectory!, _dataDirectory);
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await StartAsync().ConfigureAwait(false);
        // ProcessExit runs when the test host ends normally; a killed host leaves the cluster for the next run to remove.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    /// <summary>Stops and deletes the cluster once this process is gone, even when the test host is killed.</summary>
    private static void StartWatchdog(string bin, string dataDirectory) =>
        ProcessWatchdog.WhenGone(
            """
            if [ "$3" = root ]; then runuser -u postgres -- "$1/pg_ctl" -D "$2" -m immediate -w stop; else "$1/pg_ctl" -D "$2" -m immediate -w stop; fi
            rm -rf "$2"
            """,
            bin,
            dataDirectory,
            Environment.IsPrivilegedProcess ? "root" : "user");

    private static string? UnavailableReason()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ConnectionStringVariable)))
        {
            return null;
        }

        const string hint = $"set {ConnectionStringVariable} to a connection string, or install PostgreSQL (apt-get install postgresql), or run .ci/postgres.sh";
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return $"PostgreSQL tests skipped: no server ({hint}).";
        }

        if (FindBinDirectory() is null)
        {
            return $"PostgreSQL tests skipped: no server binaries found ({hint}).";
        }

        if (Environment.IsPrivilegedProcess && !UserExists("postgres"))
        {
            return $"PostgreSQL tests skipped: running as root, and there is no user 'postgres' to run the server as ({hint}).";
        }

        return null;
    }

    /// <summary>The newest installed server's bin folder (Debian keeps initdb and pg_ctl off PATH), or one on PATH.</summary>
    private static string? FindBinDirectory()
    {
        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.EnumerateDirectories(debian)
                .Select(d => (Directory: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Directory, "pg_ctl")) && File.Exists(Path.Combine(d.Directory, "initdb")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Directory)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")) && File.Exists(Path.Combine(d, "initdb")));
    }

    private static bool UserExists(string name) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops and deletes clusters left by test processes that died before they could (their pid is gone).</summary>
    private static void RemoveLeftoverClusters(string bin)
    {
        foreach (var directory in Directory.EnumerateDirectories("/tmp", ClusterPrefix + "*"))
        {
            var parts = Path.GetFileName(directory)[ClusterPrefix.Length..].Split('-');
            if (parts.Length == 2 && int.TryParse(parts[0], out var pid) && !ProcessAlive(pid))
            {
                DeleteCluster(bin, directory);
            }
        }
    }

    private static bool ProcessAlive(int pid) => Directory.Exists($"/proc/{pid}") || (!OperatingSystem.IsLinux() && IsRunning(pid));

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void DeleteCluster(string bin, string dataDirectory)
    {
        if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            try
            {
                // Immediate: a throwaway cluster needs no shutdown checkpoint, and the folder is deleted next.
                RunAsync(bin, "pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"], CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
                // Already stopped (a stale postmaster.pid); deleting the folder is all that is left.
            }
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Runs a server program (as postgres when we are root) and fails with its output when it exits non-zero.</summary>
    private static async Task RunAsync(string bin, string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        if (Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--" })
            {
                start.ArgumentList.Add(a);
            }

            start.ArgumentList.Add(Path.Combine(bin, program));
        }
        else
        {
            start.FileName = Path.Combine(bin, program);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {program}.");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {CommandTimeout}.");
        }

        output.Append(await stdout.ConfigureAwait(false)).Append(await stderr.ConfigureAwait(false));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output.ToString().Trim()}");
        }
    }
}
