namespace AgentOs.Sdk.Health.Internal;

/// <summary>Which SQLite library versions are safe for a store that several connections write to.</summary>
internal static class SqliteVersionPolicy
{
    /// <summary>WAL mode exists from this version on.</summary>
    public static readonly Version FirstWithWal = new(3, 7, 0);

    /// <summary>The first version free of the WAL-reset bug (a race between writers and checkpointers that can corrupt the database).</summary>
    public static readonly Version WalResetFixed = new(3, 51, 3);

    public static (bool Passed, string Message) Evaluate(string runningVersion)
    {
        if (!Version.TryParse(runningVersion, out var version))
        {
            return (false, $"The SQLite library reports version '{runningVersion}', which cannot be parsed: its safety cannot be judged.");
        }

        if (version < FirstWithWal)
        {
            return (false, $"SQLite {runningVersion} is running: older than {FirstWithWal}, it has no WAL mode.");
        }

        if (version < WalResetFixed)
        {
            return (false, $"SQLite {runningVersion} is running: versions {FirstWithWal} through 3.51.2 can corrupt a WAL database when "
                + $"connections write and checkpoint at the same moment (the WAL-reset bug, fixed in {WalResetFixed}). "
                + "Use a SQLite bundle (SQLitePCLRaw) with SQLite 3.51.3 or later.");
        }

        return (true, $"SQLite {runningVersion} is running (free of the WAL-reset bug fixed in {WalResetFixed}).");
    }
}
