using System.Diagnostics;
using System.Text;

namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>A .NET program run as a child process (<c>dotnet &lt;assembly&gt; args</c>), optionally as an unprivileged user.</summary>
public sealed class ChildProcess : IDisposable
{
    /// <summary>The user and group the unprivileged runs use: nobody/nogroup.</summary>
    public const int UnprivilegedId = 65534;

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Whether this test run is root and can drop to another user with <c>setpriv</c>.</summary>
    public static bool CanRunUnprivileged => Environment.IsPrivilegedProcess && OperatingSystem.IsLinux() && File.Exists("/usr/bin/setpriv");

    /// <summary>Starts the program; standard input stays open until <see cref="CloseInput"/> or disposal.</summary>
    public static ChildProcess Start(string assembly, IEnumerable<string> arguments, bool unprivileged = false, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (unprivileged)
        {
            start.FileName = "/usr/bin/setpriv";
            foreach (var a in new[] { "--reuid", $"{UnprivilegedId}", "--regid", $"{UnprivilegedId}", "--clear-groups", "dotnet" })
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["HOME"] = Path.GetTempPath();
        }
        else
        {
            start.FileName = "dotnet";
        }

        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {start.FileName}.");
        var child = new ChildProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs the program to the end and returns its exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(
        string assembly,
        IEnumerable<string> arguments,
        bool unprivileged = false,
        IDictionary<string, string>? environment = null)
    {
        using var child = Start(assembly, arguments, unprivileged, environment);
        child.CloseInput();
        var stdout = child._process.StandardOutput.ReadToEndAsync();
        if (!child._process.WaitForExit(DefaultTimeout))
        {
            child.Kill();
            throw new TimeoutException($"{assembly} {string.Join(' ', arguments)} did not exit within {DefaultTimeout}.");
        }

        child._process.WaitForExit();
        return (child._process.ExitCode, stdout.GetAwaiter().GetResult(), child.Stderr);
    }

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

    /// <summary>Reads one line of standard output, failing with the child's stderr if it ends first or takes too long.</summary>
    public string ReadLine()
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(DefaultTimeout) || line.Result is null)
        {
            throw new InvalidOperationException($"The child process wrote no line (exited: {_process.HasExited}). stderr: {Stderr}");
        }

        return line.Result;
    }

    /// <summary>Writes one line to the child's standard input.</summary>
    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Closes the child's standard input.</summary>
    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits for the child to exit and returns its exit code.</summary>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(DefaultTimeout))
        {
            throw new TimeoutException($"The child process did not exit within {DefaultTimeout}. stderr: {Stderr}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the child (SIGKILL) and waits for it to go.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
