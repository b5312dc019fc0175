using System.Text.Json;
using AgentOs.Sdk.Checkpoints;

namespace AgentOs.Sdk.AgentFramework;

/// <summary>
/// Checks the shape of the snapshot-digest evidence when a checkpoint is recorded (64 hexadecimal characters, a length, and
/// the digest's form if named).
/// The digest itself is compared with the stored snapshot by <see cref="AgentOsCheckpointStore"/> on every read, where
/// the snapshot is at hand.
/// </summary>
internal sealed class SnapshotDigestVerifier : IEvidenceVerifier
{
    public string Kind => AgentOsCheckpointStore.SnapshotEvidenceKind;

    public EvidenceItemResult Verify(CustomEvidence evidence, EvidenceVerificationContext context)
    {
        if (evidence.Data.ValueKind != JsonValueKind.Object
            || !evidence.Data.TryGetProperty("sha256", out var sha) || sha.GetString() is not { Length: 64 } hex || !hex.All(char.IsAsciiHexDigitLower)
            || !evidence.Data.TryGetProperty("length", out var length) || !length.TryGetInt64(out var bytes) || bytes < 0)
        {
            return EvidenceItemResult.Fail(evidence, "The snapshot digest evidence needs a lowercase hexadecimal sha256 of 64 characters and a non-negative length.");
        }

        if (evidence.Data.TryGetProperty("form", out var form) && !(form.ValueKind == JsonValueKind.String && form.GetString() == SnapshotDigest.RawForm))
        {
            return EvidenceItemResult.Fail(evidence, $"The snapshot digest evidence names an unknown form {form.GetRawText()}; '{SnapshotDigest.RawForm}' is the only one (no form: the compact JSON's digest).");
        }

        return EvidenceItemResult.Pass(evidence);
    }
}
