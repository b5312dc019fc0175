namespace AgentOs.Sdk.TestHost.IO;

/// <summary>Deterministic payloads, so the test and its children agree on the bytes without passing them around.</summary>
public static class Payloads
{
    /// <summary>Payload <paramref name="index"/> of <paramref name="size"/> bytes for a run seeded with <paramref name="seed"/>.</summary>
    public static byte[] Create(int seed, int index, int size)
    {
        byte[] bytes = new byte[size];
#pragma warning disable CA5394 // Test data, not security: a seeded generator is the point.
        new Random(unchecked((seed * 31) + index)).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }
}
