namespace AgentOs.Sdk.Checkpoints;

/// <summary>The JSON payload of the audits <see cref="CheckpointManager"/> writes; unset members are left out.</summary>
internal sealed record AuditPayload
{
    public string? CheckpointId { get; init; }

    public long? SequenceNumber { get; init; }

    public string? CheckpointType { get; init; }

    public CheckpointStatus? Status { get; init; }

    public string? Error { get; init; }

    public IReadOnlyList<EvidenceOutcome>? Evidence { get; init; }

    public int? SupersededCount { get; init; }

    public int? KeepLast { get; init; }

    public int? DeletedCount { get; init; }

    public string? KeptCheckpointId { get; init; }

    public AgentTaskStatus? FromStatus { get; init; }

    public AgentTaskStatus? ToStatus { get; init; }

    public static IReadOnlyList<EvidenceOutcome> Outcomes(EvidenceVerificationResult result) =>
        [.. result.Items.Select(item => new EvidenceOutcome(item.Evidence.Type, item.Evidence.Describe(), item.Passed, item.Error))];
}
