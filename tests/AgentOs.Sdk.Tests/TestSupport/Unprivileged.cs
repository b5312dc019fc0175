using System.Diagnostics;

namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>
/// Runs a built program as the unprivileged user nobody (uid 65534) when the tests run as root, so that permission
/// checks really deny: root reads every file. When the program's folder is not readable by nobody (a checkout under
/// /root, say), a world-readable copy of it is made first.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class Unprivileged
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> Copies = new(StringComparer.Ordinal);

    /// <summary>Lets every user enter and list a directory the tests created (temp directories are created 0700).</summary>
    public static void MakeTraversable(string directory) =>
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

    /// <summary>Runs <c>dotnet assembly args</c> as nobody.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string assembly, params string[] arguments) =>
        ChildProcess.Run(Accessible(assembly), arguments, unprivileged: true);

    /// <summary>The assembly itself when nobody can read it, else a world-readable copy of its folder.</summary>
    private static string Accessible(string assembly)
    {
        if (CanRead(assembly))
        {
            return assembly;
        }

        lock (Gate)
        {
            if (!Copies.TryGetValue(assembly, out var copy))
            {
                var source = Path.GetDirectoryName(assembly)!;
                var target = Directory.CreateTempSubdirectory("agentos-unprivileged-").FullName;
                MakeTraversable(target);
                foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
                {
                    var destination = Path.Combine(target, Path.GetRelativePath(source, file));
                    var folder = Path.GetDirectoryName(destination)!;
                    Directory.CreateDirectory(folder);
                    MakeTraversable(folder);
                    File.Copy(file, destination);
                    File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }

                copy = Path.Combine(target, Path.GetFileName(assembly));
                Copies[assembly] = copy;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(target, recursive: true);
            }

            return copy;
        }
    }

    private static bool CanRead(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/setpriv")
        {
            ArgumentList = { "--reuid", "65534", "--regid", "65534", "--clear-groups", "test", "-r", path },
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
