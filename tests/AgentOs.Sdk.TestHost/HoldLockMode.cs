using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// <c>hold-lock &lt;db&gt; wal-exclusive|begin-exclusive</c>: takes an exclusive transaction on the database, prints "ready",
/// and holds it until standard input closes or the process is killed.
/// <c>wal-exclusive</c> also sets <c>locking_mode=EXCLUSIVE</c>, the only way to lock readers out of a WAL database;
/// <c>begin-exclusive</c> is a plain <c>BEGIN EXCLUSIVE</c>, which locks readers out of a rollback-journal database only.
/// </summary>
internal static class HoldLockMode
{
    public const string Name = "hold-lock";

    public static int Run(string[] args)
    {
        if (args.Length != 2 || args[1] is not ("wal-exclusive" or "begin-exclusive"))
        {
            Console.Error.WriteLine("usage: hold-lock <db> wal-exclusive|begin-exclusive");
            return 2;
        }

        using var connection = new SqliteConnection($"Data Source={args[0]};Pooling=False");
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = args[1] == "wal-exclusive"
                ? "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TEMP TABLE held (x); SELECT count(*) FROM sqlite_schema;"
                : "BEGIN EXCLUSIVE; SELECT count(*) FROM sqlite_schema;";
            command.ExecuteNonQuery();
        }

        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        // Hold the lock until the test closes our standard input (or kills us).
        while (Console.In.ReadLine() is not null)
        {
        }

        return 0;
    }
}
