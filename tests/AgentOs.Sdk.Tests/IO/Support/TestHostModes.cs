namespace AgentOs.Sdk.Tests.IO.Support;

/// <summary>The TestHost's IO modes (see tests/AgentOs.Sdk.TestHost/IO).</summary>
public static class TestHostModes
{
    public const string AtomicBatchLoop = "atomic-batch-loop";
    public const string AtomicWriterLoop = "atomic-writer-loop";
    public const string AtomicWriteMany = "atomic-write-many";
    public const string AtomicWriteOnce = "atomic-write-once";
}
