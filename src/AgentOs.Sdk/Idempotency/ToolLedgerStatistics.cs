namespace AgentOs.Sdk.Idempotency;

/// <summary>A snapshot of a <see cref="ToolLedger"/>'s counters since it was created.</summary>
/// <param name="Executions">Commands run.</param>
/// <param name="Replays">Results replayed instead of running the command.</param>
public readonly record struct ToolLedgerStatistics(long Executions, long Replays)
{
    /// <summary>Replays divided by all calls; 0 before the first call.</summary>
    public double ReplayRate => Executions + Replays == 0 ? 0 : (double)Replays / (Executions + Replays);
}
