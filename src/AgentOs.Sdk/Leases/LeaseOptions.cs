namespace AgentOs.Sdk.Leases;

/// <summary>Options for a <see cref="LeaseManager"/>.</summary>
public sealed class LeaseOptions
{
    /// <summary>
    /// How often a <see cref="LeaseHeartbeat"/> renews when <see cref="LeaseManager.StartHeartbeat"/> is given no interval.
    /// Null (the default) renews three times per lease duration, so one slow renewal does not let the lease lapse.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>
    /// How long each heartbeat renewal extends the lease when <see cref="LeaseManager.StartHeartbeat"/> is given no duration.
    /// Null (the default) renews for the duration the lease was acquired with.
    /// </summary>
    public TimeSpan? RenewalDuration { get; set; }

    internal void Validate()
    {
        if (HeartbeatInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), interval, "The heartbeat interval must be positive.");
        }

        if (RenewalDuration is { } duration)
        {
            LeaseManager.ValidateDuration(duration, nameof(RenewalDuration));
        }
    }

    internal LeaseOptions Clone() => (LeaseOptions)MemberwiseClone();
}
