using System.Diagnostics;

namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// Makes a built program reachable by the user nobody. A checkout can sit under a directory that only its owner may enter
/// (<c>mktemp -d</c> makes 0700 folders, and so are most home directories), and then nobody cannot even resolve the path
/// of the build output ("realpath(...) failed: Permission denied"). Such a program's folder is copied, once per test
/// process, into a world-readable folder under /tmp, which a watchdog removes when the process is gone (and the next test
/// process that stages removes what a watchdog could not).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class UnprivilegedStage
{
    private const string Prefix = "agentos-stage-";
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> Copies = new(StringComparer.Ordinal);

    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The assembly itself when nobody can read it where it is, else the same file in a staged copy of its folder.</summary>
    public static string Reachable(string assembly)
    {
        lock (Gate)
        {
            if (Copies.TryGetValue(assembly, out var known))
            {
                return known;
            }

            var reachable = NobodyCanRead(assembly) ? assembly : Stage(assembly);
            Copies[assembly] = reachable;
            return reachable;
        }
    }

    private static string Stage(string assembly)
    {
        RemoveLeftovers();
        var source = Path.GetDirectoryName(assembly)!;
        // Under /tmp itself, not $TMPDIR, which may sit in the same unreachable home directory.
        var target = Path.Combine("/tmp", $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, Traversable);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            var folder = Path.GetDirectoryName(destination)!;
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
                File.SetUnixFileMode(folder, Traversable);
            }

            File.Copy(file, destination);
            // Keep the execute bit of apphosts and native libraries; add read for everyone.
            File.SetUnixFileMode(destination, File.GetUnixFileMode(file) | Readable);
        }

        ProcessWatchdog.WhenGone("""rm -rf "$1" """, target);
        return Path.Combine(target, Path.GetFileName(assembly));
    }

    /// <summary>Removes the copies of test processes that were killed before they could (their pid is gone).</summary>
    private static void RemoveLeftovers()
    {
        foreach (var directory in Directory.EnumerateDirectories("/tmp", Prefix + "*"))
        {
            var pid = Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, out var id) && !Directory.Exists($"/proc/{id}"))
            {
                Delete(directory);
            }
        }
    }

    private static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool NobodyCanRead(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/setpriv") { UseShellExecute = false };
        foreach (var argument in new[] { "--reuid", $"{ChildProcess.UnprivilegedId}", "--regid", $"{ChildProcess.UnprivilegedId}", "--clear-groups", "test", "-r", path })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Cannot start setpriv.");
        if (!process.WaitForExit(ChildProcess.DefaultTimeout))
        {
            process.Kill();
            throw new TimeoutException($"setpriv test -r {path} did not finish within {ChildProcess.DefaultTimeout}.");
        }

        return process.ExitCode == 0;
    }
}
