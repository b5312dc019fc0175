using System.Diagnostics.Metrics;
using AgentOs.Sdk.Storage.Providers;
using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Storage;

/// <summary>Options for <see cref="AgentOsStore.Open(StoreOptions)"/>.</summary>
public sealed class StoreOptions
{
    /// <summary>The busy timeout SQLite waits on a locked database before it fails; at least 5 seconds unless <see cref="AllowShortBusyTimeout"/> says otherwise.</summary>
    public static readonly TimeSpan MinimumRecommendedBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a statement waits for another connection's lock (<c>PRAGMA busy_timeout</c>). Default 5 seconds.
    /// Values below 5 seconds are refused unless <see cref="AllowShortBusyTimeout"/> is set, because under contention
    /// a short timeout turns into lost writes.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = MinimumRecommendedBusyTimeout;

    /// <summary>
    /// Set to accept a <see cref="BusyTimeout"/> below 5 seconds (for tests that want to see lock errors quickly). The driver
    /// counts its own retries in whole seconds, so a lock error takes at least about one second to surface.
    /// </summary>
    public bool AllowShortBusyTimeout { get; set; }

    /// <summary>How a commit is made durable. Default <see cref="SynchronousMode.Full"/>: a committed checkpoint survives power loss.</summary>
    public SynchronousMode Synchronous { get; set; } = SynchronousMode.Full;

    /// <summary>
    /// Whether <see cref="AgentOsStore.Open(StoreOptions)"/> creates a missing database (and its directory); for a server
    /// store, whether it creates the store's tables in an empty database. Default true.
    /// </summary>
    public bool CreateIfMissing { get; set; } = true;

    /// <summary>Whether connections are pooled. Default true; pooled connections keep the file open until the store is disposed.</summary>
    public bool Pooling { get; set; } = true;

    /// <summary>
    /// The SQLite database file <see cref="AgentOsStore.Open(StoreOptions)"/> opens (made absolute when opened). Ignored
    /// when a provider package has set a server store (for example <c>UsePostgreSql</c> from <c>AgentOs.Sdk.PostgreSql</c>).
    /// </summary>
    public string? DatabasePath { get; set; }

    /// <summary>Where the store's components create their loggers; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Where the store's components create their meter (named <c>AgentOs.Sdk</c>, see <c>AgentOsInstruments</c>); with
    /// dependency injection the container's. Null reports through the process-wide <c>AgentOsTelemetry.Default</c> meter,
    /// which costs nothing while nobody listens.
    /// </summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Creates the provider of a server store; set by a provider package's extension method, null for SQLite.</summary>
    internal Func<StoreOptions, StoreProvider>? ProviderFactory { get; set; }

    /// <summary>The clock used for the times the store records (such as when a migration was applied). Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (BusyTimeout < TimeSpan.Zero || BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "The busy timeout must be between 0 and int.MaxValue milliseconds.");
        }

        if (BusyTimeout < MinimumRecommendedBusyTimeout && !AllowShortBusyTimeout)
        {
            throw new ArgumentOutOfRangeException(
                nameof(BusyTimeout),
                BusyTimeout,
                $"A busy timeout below {MinimumRecommendedBusyTimeout.TotalMilliseconds:0} ms loses writes under contention; set {nameof(AllowShortBusyTimeout)} to use it anyway.");
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "Unknown synchronous mode.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    /// <summary>The per-connection pragmas every store connection runs on open (journal mode is set separately: it may wait for a lock).</summary>
    internal string ConnectionPragmas() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"PRAGMA busy_timeout = {(long)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = {(Synchronous == SynchronousMode.Full ? "FULL" : "NORMAL")}; PRAGMA foreign_keys = ON;");

    internal StoreOptions Clone() => (StoreOptions)MemberwiseClone();
}
