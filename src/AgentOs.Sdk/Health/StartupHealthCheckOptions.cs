using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Health;

/// <summary>Options for <see cref="StartupHealthCheck"/>.</summary>
public sealed class StartupHealthCheckOptions
{
    /// <summary>The smallest busy timeout that passes <c>busy_timeout</c>. Default 5 seconds.</summary>
    public TimeSpan MinimumBusyTimeout { get; set; } = StoreOptions.MinimumRecommendedBusyTimeout;

    /// <summary>The oldest schema version that passes <c>schema_version</c>. Default <see cref="StoreSchema.RecoveryTablesVersion"/> (0.24).</summary>
    public SchemaVersion MinimumSchemaVersion { get; set; } = StoreSchema.RecoveryTablesVersion;

    /// <summary>
    /// How long the check waits for a database that another connection has locked before it reports it as locked.
    /// Default 2 seconds. The driver retries in steps of whole seconds, so a value below one second waits about one second.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <c>quick_check</c> may run before it is stopped and reported as not finished. Default 5 seconds.</summary>
    public TimeSpan QuickCheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How much of the database the check reads. Default <see cref="HealthCheckDepth.Fast"/>: a constant cost, whatever the
    /// store's size; <see cref="HealthCheckDepth.Deep"/> adds <c>quick_check</c>, which reads every page.
    /// </summary>
    public HealthCheckDepth Depth { get; set; } = HealthCheckDepth.Fast;

    /// <summary>
    /// Which optional checks run. Default <see cref="OptionalHealthChecks.All"/>. <c>quick_check</c> runs only at
    /// <see cref="HealthCheckDepth.Deep"/>.
    /// </summary>
    public OptionalHealthChecks OptionalChecks { get; set; } = OptionalHealthChecks.All;

    /// <summary>
    /// The options the application opens its store with. The <c>busy_timeout</c> check configures its connection from
    /// them exactly as <see cref="AgentOsStore"/> does, so a store opened with a short busy timeout fails it.
    /// Default: <see cref="StoreOptions"/>' defaults.
    /// </summary>
    public StoreOptions StoreOptions { get; set; } = new();

    /// <summary>Where each check's result is logged at debug level, and failures as warnings. Default none.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The clock for <see cref="StartupHealthReport.CheckedAt"/> and each check's duration. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (MinimumBusyTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumBusyTimeout), MinimumBusyTimeout, "The minimum busy timeout cannot be negative.");
        }

        if (LockTimeout < TimeSpan.Zero || LockTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(LockTimeout), LockTimeout, "The lock timeout must be between 0 and int.MaxValue milliseconds.");
        }

        if (QuickCheckTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(QuickCheckTimeout), QuickCheckTimeout, "The quick_check timeout cannot be negative.");
        }

        if (!Enum.IsDefined(Depth))
        {
            throw new ArgumentOutOfRangeException(nameof(Depth), Depth, "Unknown health check depth.");
        }

        ArgumentNullException.ThrowIfNull(StoreOptions);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        StoreOptions.Validate();
    }

    internal StartupHealthCheckOptions Clone()
    {
        var copy = (StartupHealthCheckOptions)MemberwiseClone();
        copy.StoreOptions = StoreOptions.Clone();
        return copy;
    }
}
