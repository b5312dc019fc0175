namespace AgentOs.Sdk.Idempotency;

/// <summary>What <see cref="ToolLedger.ExecuteOrReplayAsync"/> returns: the command's result and where it came from.</summary>
/// <param name="Result">The result, whole.</param>
/// <param name="Replayed">True when the result was recorded earlier and replayed instead of running the command.</param>
/// <param name="PreviousAttemptInDoubt">
/// True when this call ran the command after an earlier attempt's claim expired without a result: the command may
/// have run twice.
/// </param>
public sealed record ToolLedgerResult(ToolResult Result, bool Replayed, bool PreviousAttemptInDoubt = false);
