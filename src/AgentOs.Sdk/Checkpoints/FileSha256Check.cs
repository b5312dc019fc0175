using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Checks <see cref="FileSha256Evidence"/> with the atomic-write <c>.ok</c> marker.</summary>
internal static class FileSha256Check
{
    public static EvidenceItemResult Check(FileSha256Evidence evidence, string path)
    {
        // The marker proves the file is the whole content an atomic write produced (not torn, not edited since).
        AtomicVerifyResult verified = AtomicFile.Verify(path);
        if (!verified.IsValid)
        {
            return EvidenceItemResult.Fail(evidence, verified.Error ?? $"'{path}' is not an intact atomic write");
        }

        // The expected hash proves it is the write this step made, not a later intact write of other content.
        if (evidence.Sha256 is { } expected && !string.Equals(expected, verified.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            return EvidenceItemResult.Fail(evidence, $"'{path}' has SHA-256 {verified.Sha256}, but the step wrote {expected}");
        }

        return EvidenceItemResult.Pass(evidence);
    }
}
