using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// <c>commit-and-hang &lt;db&gt; &lt;sql&gt;</c>: commits the SQL with automatic WAL checkpoints off, so the change lives only in
/// the -wal file, prints "ready" and waits to be killed: what a crash right after a commit leaves behind.
/// </summary>
internal static class CommitAndHangMode
{
    public const string Name = "commit-and-hang";

    public static int Run(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: commit-and-hang <db> <sql>");
            return 2;
        }

        var connection = new SqliteConnection($"Data Source={args[0]};Pooling=False");
        connection.Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA wal_autocheckpoint = 0; " + args[1];
            command.ExecuteNonQuery();
        }

        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        // Never closes the connection (closing would checkpoint the WAL into the database): the test kills this process.
        while (Console.In.ReadLine() is not null)
        {
        }

        Environment.FailFast("commit-and-hang: standard input closed before the test killed the process.");
        return 1;
    }
}
