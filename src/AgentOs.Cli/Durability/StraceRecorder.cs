using System.Diagnostics;
using System.Globalization;

namespace AgentOs.Cli.Durability;

/// <summary>
/// Runs a child process under <c>strace -f</c> and returns its log. Every string is printed as hex (<c>-xx</c>) and in
/// full (<c>-s</c>), so the recorded writes carry the exact bytes; seccomp-bpf keeps untraced calls at full speed.
/// </summary>
internal static class StraceRecorder
{
    /// <summary>The calls that change a directory's files or make them durable, and the ones needed to follow descriptors.</summary>
    private const string TracedCalls =
        "open,openat,creat,close,dup,dup2,dup3,write,pwrite64,writev,pwritev,pwritev2,ftruncate,truncate,fsync,fdatasync," +
        "rename,renameat,renameat2,unlink,unlinkat,link,linkat,symlink,symlinkat,mkdir,mkdirat,rmdir,sync,syncfs,sync_file_range";

    /// <summary>Longest string strace prints in full; the explorer's writes are far smaller.</summary>
    private const int MaxStringBytes = 4 * 1024 * 1024;

    /// <summary>Why strace cannot be used here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "strace runs on Linux only.";
        }

        try
        {
            using var probe = Process.Start(new ProcessStartInfo("strace", ["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "true"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            if (probe is null)
            {
                return "strace could not be started.";
            }

            string error = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0 ? null : $"strace cannot trace here (exit {probe.ExitCode.ToString(CultureInfo.InvariantCulture)}): {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "strace is not installed (apt-get install -y strace).";
        }
    }

    /// <summary>Runs <paramref name="command"/> with <paramref name="arguments"/> under strace; writes the log to <paramref name="logPath"/>.</summary>
    public static void Record(ChildCommand command, IEnumerable<string> arguments, string logPath, TimeSpan timeout)
    {
        if (Unavailable() is { } reason)
        {
            throw new InvalidOperationException($"Cannot record system calls: {reason}");
        }

        var start = new ProcessStartInfo("strace")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string argument in new[]
        {
            "-f", "--seccomp-bpf", "-qq", "-xx", "-s", MaxStringBytes.ToString(CultureInfo.InvariantCulture),
            "-e", "signal=none", "-e", "trace=" + TracedCalls, "-o", logPath, "--", command.FileName,
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in command.Arguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("strace could not be started.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The recorded child '{command.FileName}' did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The recorded child failed (exit {process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {output.Result.Trim()} {error.Result.Trim()}");
        }
    }
}

/// <summary>How to start the program that runs a scenario's operation: a file, and the arguments before the scenario's own.</summary>
/// <param name="FileName">The executable (the <c>agentos</c> apphost, or <c>dotnet</c>).</param>
/// <param name="Arguments">Leading arguments (for <c>dotnet</c>: the path of <c>agentos.dll</c>).</param>
internal sealed record ChildCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>This very program, however it was started (apphost or <c>dotnet agentos.dll</c>).</summary>
    public static ChildCommand CurrentProcess()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        return string.Equals(Path.GetFileNameWithoutExtension(process), "dotnet", StringComparison.Ordinal)
            ? new ChildCommand(process, [typeof(ChildCommand).Assembly.Location])
            : new ChildCommand(process, []);
    }
}
