using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.TestHost.IO;

/// <summary>
/// <c>atomic-writer-loop &lt;path&gt; &lt;payload seed&gt; &lt;size&gt; &lt;phase seed&gt;</c>: writes payloads 0 and 1
/// alternately to one path until killed. Prints <c>done &lt;index&gt;</c> after each finished write, and once per write a <c>mark &lt;phase&gt;</c>
/// line at a randomly chosen moment, so the test can aim its SIGKILL at different phases of a write:
/// <c>data</c> (halfway through streaming the content), <c>commit</c> (when the marker's timestamp is taken, just
/// before the marker is written and the renames run) or <c>between</c> (right after a write, so the kill lands early in the next).
/// </summary>
public static class AtomicWriterLoop
{
    public const string Mode = "atomic-writer-loop";

    public static int Run(string[] args)
    {
        string path = args[0];
        int seed = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        int size = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
        byte[][] payloads = [Payloads.Create(seed, 0, size), Payloads.Create(seed, 1, size)];
#pragma warning disable CA5394 // Picks kill phases for a test, not security.
        var random = new Random(int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
        var clock = new SignallingTimeProvider();
        var options = new AtomicWriteOptions { TimeProvider = clock };
        // Start with either payload, so consecutive children do not all begin by rewriting the same bytes.
        for (long i = random.Next(2); ; i++)
        {
            int index = (int)(i % 2);
            byte[] payload = payloads[index];
            switch (random.Next(3))
            {
                case 0:
                    // Stream the content in 16 chunks and signal before a random one.
                    int chunk = payload.Length / 16;
                    int signalAt = random.Next(16);
                    AtomicFile.WriteAsync(
                        path,
                        async (stream, ct) =>
                        {
                            for (int c = 0; c < 16; c++)
                            {
                                if (c == signalAt)
                                {
                                    Console.WriteLine("mark data");
                                }

                                int length = c == 15 ? payload.Length - (chunk * 15) : chunk;
                                await stream.WriteAsync(payload.AsMemory(c * chunk, length), ct);
                            }
                        },
                        options).GetAwaiter().GetResult();
                    break;
                case 1:
                    clock.Armed = true;
                    AtomicFile.WriteAllBytes(path, payload, options);
                    break;
                default:
                    AtomicFile.WriteAllBytes(path, payload, options);
                    Console.WriteLine("mark between");
                    break;
            }
#pragma warning restore CA5394

            Console.WriteLine($"done {index}");
        }
    }

    /// <summary>The system clock, which prints <c>mark commit</c> the first time it is read after being armed.</summary>
    private sealed class SignallingTimeProvider : TimeProvider
    {
        public bool Armed { get; set; }

        public override DateTimeOffset GetUtcNow()
        {
            if (Armed)
            {
                Armed = false;
                Console.WriteLine("mark commit");
            }

            return base.GetUtcNow();
        }
    }
}
