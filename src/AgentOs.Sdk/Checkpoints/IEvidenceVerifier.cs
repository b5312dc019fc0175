namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Checks <see cref="CustomEvidence"/> of one <see cref="Kind"/>. Register instances in
/// <see cref="CheckpointManagerOptions.EvidenceVerifiers"/>.
/// </summary>
/// <remarks>
/// Verification runs outside any database transaction, so a verifier may do I/O; it should be quick and must be
/// thread-safe (one instance serves every thread). An exception it throws fails the item with the exception's message.
/// </remarks>
public interface IEvidenceVerifier
{
    /// <summary>The <see cref="CustomEvidence.Kind"/> this verifier checks (compared ordinally).</summary>
    string Kind { get; }

    /// <summary>Checks one item; return <see cref="EvidenceItemResult.Pass"/> or <see cref="EvidenceItemResult.Fail"/>.</summary>
    EvidenceItemResult Verify(CustomEvidence evidence, EvidenceVerificationContext context);
}
