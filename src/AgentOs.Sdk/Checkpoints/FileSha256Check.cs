using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Checks <see cref="FileSha256Evidence"/> with the atomic-write <c>.ok</c> marker.</summary>
internal static class FileSha256Check
{
    public static EvidenceItemResult Check(FileSha256Evidence evidence, string path)
    {
        // The file must match its marker (path, size and SHA-256 of the bytes on disk): a torn, truncated or edited
        // file, or one with no marker, fails here.
        var result = AtomicFile.Verify(path, requireOkMarker: true);
        if (!result.IsValid)
        {
            return EvidenceItemResult.Fail(evidence, result.Error);
        }

        // An intact file is not enough when the step recorded what it wrote: a later write of other content is also intact.
        if (evidence.Sha256 is { } expected && !string.Equals(result.Sha256, expected, StringComparison.OrdinalIgnoreCase))
        {
            return EvidenceItemResult.Fail(
                evidence,
                $"'{result.Path}' is intact but has SHA-256 {result.Sha256 ?? "(unknown)"}, not the {expected} the step wrote");
        }

        return EvidenceItemResult.Pass(evidence);
    }
}
