namespace AgentOs.Sdk.Recovery;

/// <summary>Options for a <see cref="RecoverySweep"/>.</summary>
public sealed class RecoverySweepOptions
{
    /// <summary>The default <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 1_000;

    /// <summary>
    /// How many expired leases one update handles. The write lock is held for one batch at a time, so other writers get
    /// in between batches. Between 1 and 10,000; default 1,000.
    /// </summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    internal void Validate()
    {
        if (BatchSize is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be between 1 and 10,000.");
        }
    }

    internal RecoverySweepOptions Clone() => (RecoverySweepOptions)MemberwiseClone();
}
