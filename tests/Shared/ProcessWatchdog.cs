using System.Diagnostics;

namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// Runs a clean-up command once this process is gone, however it ends. The test platform kills its test host without
/// waiting for <c>ProcessExit</c> handlers, so throwaway servers and staged copies are cleaned up by a detached shell that
/// polls our pid once a second; it is no descendant of ours (its parent shell exits at once), so a kill of our process
/// tree spares it.
/// </summary>
internal static class ProcessWatchdog
{
    /// <summary>
    /// Runs <paramref name="command"/> with <c>sh -c</c> after this process exits; <paramref name="arguments"/> are its
    /// positional parameters <c>$1</c>, <c>$2</c>, ... (quote them as <c>"$1"</c>).
    /// </summary>
    public static void WhenGone(string command, params string[] arguments)
    {
        var script = $$"""
            pid=$1; shift
            (
              while kill -0 "$pid" 2>/dev/null; do sleep 1; done
              {{command}}
            ) </dev/null >/dev/null 2>&1 &
            """;
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in new[] { "-c", script, "agentos-watchdog", $"{Environment.ProcessId}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var shell = Process.Start(start) ?? throw new InvalidOperationException("Cannot start the clean-up watchdog's shell.");
        shell.WaitForExit();
    }
}
