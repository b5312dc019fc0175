using System.Diagnostics;
using System.Globalization;

namespace AgentOs.Sdk.Tests.Workers;

/// <summary>
/// Checks whether a process id still names a live process, from /proc. A zombie (state Z: dead, waiting for its parent to reap it)
/// counts as gone: it runs no code and holds no files. Processes that are not our children cannot be awaited, so
/// <see cref="WaitUntilGoneAsync"/> polls, with a bound.
/// </summary>
internal static class ProcessProbe
{
    public static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            char state = stat[stat.LastIndexOf(')') + 2];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until every pid is gone and returns those still alive after <paramref name="limit"/>, after killing them so that a
    /// failing test leaks no process.
    /// </summary>
    public static async Task<int[]> WaitUntilGoneAndKillSurvivorsAsync(IEnumerable<int> pids, TimeSpan limit)
    {
        int[] survivors = await WaitUntilGoneAsync(pids, limit);
        foreach (int survivor in survivors)
        {
            try
            {
                using Process process = Process.GetProcessById(survivor);
                process.Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Gone in the meantime.
            }
        }

        return survivors;
    }

    /// <summary>Waits until every pid is gone; returns those still alive after <paramref name="limit"/>.</summary>
    public static async Task<int[]> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan limit)
    {
        int[] watched = [.. pids];
        DateTime deadline = DateTime.UtcNow + limit;
        while (true)
        {
            int[] alive = [.. watched.Where(IsAlive)];
            if (alive.Length == 0 || DateTime.UtcNow >= deadline)
            {
                return alive;
            }

            // Polling is the only portable way to watch a process that is not our child; 20 ms keeps the wait short.
            await Task.Delay(20);
        }
    }
}
