namespace AgentOs.Sdk.Idempotency;

/// <summary>Options for an <see cref="IdempotencyStore"/>.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>
    /// How long a claim stays valid. An owner that has not recorded an outcome by then is presumed crashed: the key is
    /// in doubt and the next caller may take it over. Default 5 minutes; make it longer than the slowest operation.
    /// </summary>
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a caller waiting for another owner's outcome looks again. Default 50 ms.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a caller waits for another owner's outcome before it gives up with a <see cref="TimeoutException"/>.
    /// Default 10 minutes: longer than <see cref="ClaimDuration"/>, so a waiter outlives a crashed owner's claim and takes over.
    /// </summary>
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a recorded outcome is replayed; null keeps it forever. Default 30 days. A later success sets it again.</summary>
    public TimeSpan? DefaultTimeToLive { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often replay counts are added to the <c>hit_count</c> column. Replays are plain reads; their counts are kept in
    /// memory and written in one transaction at most this often (and by <see cref="IdempotencyStore.FlushHitCounts"/> and
    /// <see cref="IdempotencyStore.Dispose"/>). A crash loses at most this interval's counts, never a result. Default 1 second.
    /// </summary>
    public TimeSpan HitCountFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        Positive(ClaimDuration, nameof(ClaimDuration));
        Positive(PollInterval, nameof(PollInterval));
        Positive(WaitTimeout, nameof(WaitTimeout));
        Positive(HitCountFlushInterval, nameof(HitCountFlushInterval));
        if (DefaultTimeToLive is { } ttl)
        {
            Positive(ttl, nameof(DefaultTimeToLive));
        }
    }

    internal IdempotencyOptions Clone() => (IdempotencyOptions)MemberwiseClone();

    internal static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(36_500))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most 100 years.");
        }
    }
}
