using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// <c>open-store &lt;db or connection string&gt;</c>: prints "waiting", opens the store when a line arrives on standard input (so that several
/// processes open it at the same moment), prints "opened &lt;schema version&gt;" and exits 0; any failure goes to stderr, exit 1.
/// </summary>
internal static class OpenStoreMode
{
    public const string Name = "open-store";

    public static int Run(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: open-store <db>");
            return 2;
        }

        Console.Out.WriteLine("waiting");
        Console.Out.Flush();
        _ = Console.In.ReadLine();
        try
        {
            using var store = StoreTarget.Open(args[0], new StoreOptions { Pooling = false });
            Console.Out.WriteLine($"opened {store.SchemaVersion}");
            return 0;
        }
        catch (StoreException ex)
        {
            Console.Error.WriteLine(ex);
            return 1;
        }
    }
}
