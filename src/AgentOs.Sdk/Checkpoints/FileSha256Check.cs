namespace AgentOs.Sdk.Checkpoints;

/// <summary>Checks <see cref="FileSha256Evidence"/> with the atomic-write <c>.ok</c> marker.</summary>
internal static class FileSha256Check
{
    public static EvidenceItemResult Check(FileSha256Evidence evidence, string path)
    {
        // Filled in when AgentOs.Sdk.IO.AtomicFile is merged: until then this evidence never passes.
        return EvidenceItemResult.Fail(evidence, $"cannot check '{path}': AtomicFile is not available in this build");
    }
}
