namespace AgentOs.Sdk.Storage.UnitOfWork;

/// <summary>
/// The one retry rule for a transaction that failed on a transient error (busy/locked, serialization failure, deadlock):
/// it was rolled back, so it runs again from the start after a back-off that doubles with jitter. Bounded twice: at most
/// <see cref="MaxRetries"/> retries, and the back-offs together never exceed the store's busy timeout.
/// </summary>
internal sealed class StoreRetryPolicy
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public StoreRetryPolicy(int maxRetries, TimeSpan firstDelay, TimeSpan budget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        MaxRetries = maxRetries;
        FirstDelay = firstDelay < TimeSpan.Zero ? TimeSpan.Zero : firstDelay;
        Budget = budget < TimeSpan.Zero ? TimeSpan.Zero : budget;
    }

    /// <summary>
    /// Whether a unique-constraint violation also runs the transaction again: for a transaction that allocates a number
    /// (<c>MAX + 1</c>) and relies on the constraint to catch a race with another host, as its backstop.
    /// </summary>
    public bool RetriesUniqueViolations { get; init; }

    /// <summary>How many times a transaction is run again after the first attempt. Default 5.</summary>
    public int MaxRetries { get; }

    /// <summary>The first back-off; it doubles on each retry, up to 2 seconds.</summary>
    public TimeSpan FirstDelay { get; }

    /// <summary>The most the back-offs of one call add up to (the store's busy timeout).</summary>
    public TimeSpan Budget { get; }

    /// <summary>The store's default: the provider's retry count (5 unless configured) from 50 ms, within the busy timeout.</summary>
    public static StoreRetryPolicy For(StoreOptions options, int maxRetries = 5) => new(maxRetries, TimeSpan.FromMilliseconds(50), options.BusyTimeout);

    /// <summary>Whether a transaction that failed with <paramref name="kind"/> is run again under this policy.</summary>
    public bool Retries(Providers.StoreErrorKind kind, Providers.StoreProvider provider) =>
        provider.IsTransient(kind) || (RetriesUniqueViolations && kind == Providers.StoreErrorKind.UniqueViolation);

    /// <summary>The back-off before retry number <paramref name="attempt"/> + 1, or null when the policy is spent.</summary>
    /// <param name="attempt">The attempt that failed, from 0.</param>
    /// <param name="spent">The back-off already spent by this call; updated.</param>
    public TimeSpan? NextDelay(int attempt, ref TimeSpan spent)
    {
        if (attempt >= MaxRetries)
        {
            return null;
        }

        var delay = FirstDelay * Math.Pow(2, attempt);
        if (delay > MaxDelay)
        {
            delay = MaxDelay;
        }

        // Jitter: writers that collided once should not wake up together and collide again.
#pragma warning disable CA5394 // Not security-sensitive: spreads retries in time.
        delay *= 0.5 + (Random.Shared.NextDouble() / 2);
#pragma warning restore CA5394
        if (spent + delay > Budget)
        {
            delay = Budget - spent;
            if (delay <= TimeSpan.Zero)
            {
                return null;
            }
        }

        spent += delay;
        return delay;
    }
}
