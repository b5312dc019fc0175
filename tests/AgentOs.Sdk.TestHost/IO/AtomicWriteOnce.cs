using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.TestHost.IO;

/// <summary>
/// <c>atomic-write-once &lt;path&gt; &lt;text&gt;</c>: one <c>AtomicFile.WriteAllText</c>, for tests that must run it as
/// another user. Prints <c>ok &lt;sha256&gt;</c> (exit 0), or the exception's type and message on one line (exit 2).
/// </summary>
public static class AtomicWriteOnce
{
    public const string Mode = "atomic-write-once";

    public static int Run(string[] args)
    {
        try
        {
            AtomicWriteResult result = AtomicFile.WriteAllText(args[0], args[1]);
            Console.WriteLine($"ok {result.Sha256}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.WriteLine($"{e.GetType().FullName}: {e.Message}");
            return 2;
        }
    }
}
