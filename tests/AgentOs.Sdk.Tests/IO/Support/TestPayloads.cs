namespace AgentOs.Sdk.Tests.IO.Support;

/// <summary>
/// The payloads the TestHost's IO modes write, built the same way (tests/AgentOs.Sdk.TestHost/IO/Payloads.cs; the
/// TestHost is a separate program, not a referenced library). If the two ever differ, the kill test fails loudly.
/// </summary>
public static class TestPayloads
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
