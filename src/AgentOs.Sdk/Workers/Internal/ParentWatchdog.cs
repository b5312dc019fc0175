using System.Diagnostics;
using System.Globalization;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>
/// Runs in a worker process and kills it when the parent dies. The parent holds the write end of the worker's stdin pipe and
/// never writes to it; the kernel closes it when the parent exits for any reason, including SIGKILL, and the worker then reads
/// end-of-file. Guards against orphan workers that would keep writing to a store after their pool is gone.
/// </summary>
/// <remarks>
/// Linux's <c>PR_SET_PDEATHSIG</c> is not used: it fires when the parent <em>thread</em> that started the child exits, and .NET
/// starts children from thread-pool threads that come and go.
/// </remarks>
internal static class ParentWatchdog
{
    /// <summary>Watches <paramref name="stdin"/> (the worker's standard input, after the spec line) on a background thread.</summary>
    public static void Start(Stream stdin)
    {
        var thread = new Thread(() => Watch(stdin)) { IsBackground = true, Name = "AgentOs worker parent watchdog" };
        thread.Start();
    }

    private static void Watch(Stream stdin)
    {
        try
        {
            byte[] buffer = new byte[256];
            while (stdin.Read(buffer) > 0)
            {
                // The parent never writes; anything read is ignored.
            }
        }
        catch (IOException)
        {
            // A broken pipe means the same as end-of-file: the parent is gone.
        }

        KillSelfAndDescendants();
    }

    /// <summary>SIGKILLs this process's descendants, then itself: no code of the worker runs after its parent died.</summary>
    private static void KillSelfAndDescendants()
    {
        using Process self = Process.GetCurrentProcess();
        foreach (int childId in GetChildProcessIds(self.Id))
        {
            try
            {
                using Process child = Process.GetProcessById(childId);
                child.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        self.Kill();
    }

    /// <summary>The ids of the direct children of <paramref name="parentId"/>, read from /proc (empty where /proc does not exist).</summary>
    internal static List<int> GetChildProcessIds(int parentId)
    {
        List<int> children = [];
        if (!OperatingSystem.IsLinux())
        {
            return children;
        }

        foreach (string directory in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so parse after the last ')'.
                string stat = File.ReadAllText(Path.Combine(directory, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int ppid) && ppid == parentId)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process exited while we looked.
            }
        }

        return children;
    }
}
