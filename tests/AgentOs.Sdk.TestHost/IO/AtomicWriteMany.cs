using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.TestHost.IO;

/// <summary>
/// <c>atomic-write-many &lt;path&gt; &lt;seed&gt; &lt;index&gt; &lt;size&gt; &lt;count&gt;</c>: prints <c>ready</c>, waits for a
/// line on stdin (so several children start together), then writes payload <c>index</c> <c>count</c> times to one
/// path. Exit code 0 and <c>ok</c> when every write succeeded; otherwise the exception on stderr and exit code 1.
/// </summary>
public static class AtomicWriteMany
{
    public const string Mode = "atomic-write-many";

    public static int Run(string[] args)
    {
        string path = args[0];
        int seed = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        int index = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        int size = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
        int count = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        byte[] payload = Payloads.Create(seed, index, size);

        Console.WriteLine("ready");
        _ = Console.ReadLine();
        try
        {
            for (int i = 0; i < count; i++)
            {
                AtomicFile.WriteAllBytes(path, payload);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{e.GetType().FullName}: {e.Message}");
            return 1;
        }

        Console.WriteLine("ok");
        return 0;
    }
}
