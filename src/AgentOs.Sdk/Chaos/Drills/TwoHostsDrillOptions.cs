namespace AgentOs.Sdk.Chaos.Drills;

/// <summary>Settings of <see cref="TwoHostsDrill"/>.</summary>
public sealed class TwoHostsDrillOptions
{
    /// <summary>How many work items the two hosts share. Default 1,000.</summary>
    public int Items { get; set; } = 1_000;

    /// <summary>How many worker processes each host runs. Default 3.</summary>
    public int WorkersPerHost { get; set; } = 3;

    /// <summary>
    /// How long a lease lasts: the killed host's items wait this long before the other host or the sweep takes them.
    /// Default 2 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the work of one item takes (the model call), between taking the lease and writing the effect. Default 2 ms.</summary>
    public TimeSpan WorkDuration { get; set; } = TimeSpan.FromMilliseconds(2);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Items, 10, nameof(Items));
        ArgumentOutOfRangeException.ThrowIfLessThan(WorkersPerHost, 1, nameof(WorkersPerHost));
        ArgumentOutOfRangeException.ThrowIfLessThan(LeaseDuration, TimeSpan.FromMilliseconds(100), nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfNegative(WorkDuration.Ticks, nameof(WorkDuration));
    }
}
