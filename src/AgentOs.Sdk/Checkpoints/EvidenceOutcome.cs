namespace AgentOs.Sdk.Checkpoints;

/// <summary>One evidence item's outcome as written in an audit payload (the type is written as its snake_case name).</summary>
internal sealed record EvidenceOutcome(EvidenceType Type, string Description, bool Passed, string? Error);
