using System.Diagnostics;
using System.Text;

namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// The one way tests run child processes: any program to completion (<see cref="RunAsync"/>), or a .NET assembly through
/// <c>dotnet</c>, optionally as the unprivileged user nobody, run to completion (<see cref="RunAssembly"/>) or driven line
/// by line (<see cref="StartAssembly"/>). Every wait is bounded; output is captured; a child that outlives its time, or its
/// test, is killed with its whole process tree.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    /// <summary>The user and group the unprivileged runs use: nobody/nogroup.</summary>
    public const int UnprivilegedId = 65534;

    /// <summary>How long a wait on a child lasts before the test fails.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _description;
    private readonly StringBuilder _stderr = new();

    private ChildProcess(Process process, string description)
    {
        _process = process;
        _description = description;
    }

    /// <summary>Whether this test run is root and can drop to another user with <c>setpriv</c>.</summary>
    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    public static bool CanRunUnprivileged => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux() && File.Exists("/usr/bin/setpriv");

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What the child wrote to standard error so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="fileName"/> in <paramref name="workingDirectory"/> to its end, capturing standard output and error;
    /// after <paramref name="timeout"/> kills the whole tree and throws a <see cref="TimeoutException"/> carrying the output.
    /// </summary>
    public static async Task<ChildProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No MSBuild or compiler server may outlive a test's dotnet build: it would hold the test's files and the machine's cores.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        Configure(start, environment);
        start.RedirectStandardInput = false;

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data, stdout, output);
        process.ErrorDataReceived += (_, e) => Append(e.Data, stderr, output);
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new TimeoutException($"'{Describe(start)}' did not finish within {timeout}:\n{Text(output)}");
        }

        // The wait without a token also drains the asynchronous output readers.
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        return new ChildProcessResult(process.ExitCode, Text(stdout), Text(stderr)) { Output = Text(output), Elapsed = watch.Elapsed };
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="assembly"/> args</c>, as nobody when <paramref name="unprivileged"/> (from a copy that
    /// nobody can read, when the build output is not reachable: see <see cref="UnprivilegedStage"/>). Standard input stays open
    /// until <see cref="CloseInput"/>; disposing kills the child.
    /// </summary>
    public static ChildProcess StartAssembly(
        string assembly,
        IEnumerable<string> arguments,
        bool unprivileged = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = AssemblyStartInfo(assembly, arguments, unprivileged, environment);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start '{Describe(start)}'.");
        var child = new ChildProcess(process, Describe(start));
        process.ErrorDataReceived += (_, e) => Append(e.Data, child._stderr);
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs <c>dotnet <paramref name="assembly"/> args</c> to its end and returns its exit code and output.</summary>
    public static ChildProcessResult RunAssembly(
        string assembly,
        IEnumerable<string> arguments,
        bool unprivileged = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var child = StartAssembly(assembly, arguments, unprivileged, environment);
        child.CloseInput();
        var stdout = child._process.StandardOutput.ReadToEndAsync();
        child.WaitForExit();
        if (!stdout.Wait(DefaultTimeout))
        {
            throw new TimeoutException($"'{child._description}' exited, but its standard output stayed open (a grandchild holds it).");
        }

        return new ChildProcessResult(child._process.ExitCode, stdout.Result, child.Stderr) { Output = stdout.Result + child.Stderr };
    }

    /// <summary>
    /// How to start <c>dotnet <paramref name="assembly"/> args</c> (standard streams redirected), for the few tests that drive
    /// a <see cref="Process"/> themselves.
    /// </summary>
    public static ProcessStartInfo AssemblyStartInfo(
        string assembly,
        IEnumerable<string> arguments,
        bool unprivileged = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        // The test runner is normally "dotnet exec testhost.dll": reuse that muxer, or find one on PATH.
        var current = Environment.ProcessPath;
        var dotnet = current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        var start = new ProcessStartInfo();
        if (unprivileged)
        {
            if (!CanRunUnprivileged)
            {
                throw new InvalidOperationException("Running a child as nobody needs root and /usr/bin/setpriv.");
            }

            assembly = UnprivilegedStage.Reachable(assembly);
            start.FileName = "/usr/bin/setpriv";
            foreach (var a in new[] { "--reuid", $"{UnprivilegedId}", "--regid", $"{UnprivilegedId}", "--clear-groups", dotnet })
            {
                start.ArgumentList.Add(a);
            }

            // Nobody may not be able to enter the test's own folders: give it a home and a working directory it can reach.
            start.WorkingDirectory = Path.GetDirectoryName(assembly)!;
            start.Environment["HOME"] = "/tmp";
        }
        else
        {
            start.FileName = dotnet;
        }

        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Configure(start, environment);
        return start;
    }

    /// <summary>Reads one line of standard output, failing with the child's stderr if it ends first or takes too long.</summary>
    public string ReadLine()
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(DefaultTimeout) || line.Result is null)
        {
            throw new InvalidOperationException(
                $"'{_description}' wrote no line within {DefaultTimeout} (exited: {_process.HasExited}). stderr: {Stderr}");
        }

        return line.Result;
    }

    /// <summary>Reads the rest of standard output (until the child closes it), bounded like every wait.</summary>
    public string ReadToEnd()
    {
        var rest = _process.StandardOutput.ReadToEndAsync();
        if (!rest.Wait(DefaultTimeout))
        {
            throw new TimeoutException($"'{_description}' did not close its output within {DefaultTimeout}. stderr: {Stderr}");
        }

        return rest.Result;
    }

    /// <summary>Writes one line to the child's standard input.</summary>
    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Closes the child's standard input.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits for the child to exit and returns its exit code; kills it and fails after <see cref="DefaultTimeout"/>.</summary>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(DefaultTimeout))
        {
            Kill();
            throw new TimeoutException($"'{_description}' did not exit within {DefaultTimeout} and was killed. stderr: {Stderr}");
        }

        // The wait without a timeout also drains the asynchronous stderr reader.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the child and its descendants (SIGKILL) and waits for it to go.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    /// <summary>Kills the child if it still runs: no child outlives its test.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static void Configure(ProcessStartInfo start, IReadOnlyDictionary<string, string>? environment)
    {
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.StandardOutputEncoding = Encoding.UTF8;
        start.StandardErrorEncoding = Encoding.UTF8;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
    }

    private static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)}";

    private static void Append(string? line, params StringBuilder[] targets)
    {
        if (line is null)
        {
            return;
        }

        foreach (var target in targets)
        {
            lock (target)
            {
                target.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
