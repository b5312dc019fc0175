using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.TestHost.IO;

/// <summary>
/// <c>atomic-batch-loop &lt;directory&gt; &lt;payload seed&gt; &lt;size&gt;</c>: commits batches of three files
/// (<c>file0.bin</c>, <c>file1.bin</c>, <c>file2.bin</c>) in <paramref name="directory"/> until killed, alternating
/// version 0 and version 1 of all three (file i of version v is payload <c>3v + i</c>). Prints <c>mark</c> just before
/// each <see cref="AtomicBatch.Commit"/> and <c>done &lt;version&gt;</c> after it, so the test can aim its SIGKILL into a commit.
/// </summary>
public static class AtomicBatchLoop
{
    public const string Mode = "atomic-batch-loop";

    public const int Files = 3;

    public static int Run(string[] args)
    {
        string directory = args[0];
        int seed = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        int size = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        byte[][] payloads = [.. Enumerable.Range(0, 2 * Files).Select(i => Payloads.Create(seed, i, size))];
        for (long i = 0; ; i++)
        {
            int version = (int)(i % 2);
            var batch = new AtomicBatch();
            for (int file = 0; file < Files; file++)
            {
                batch.Add(Path.Combine(directory, $"file{file}.bin"), payloads[(version * Files) + file]);
            }

            Console.WriteLine("mark");
            batch.Commit();
            Console.WriteLine($"done {version}");
        }
    }
}
