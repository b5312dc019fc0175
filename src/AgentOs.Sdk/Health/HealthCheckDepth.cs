namespace AgentOs.Sdk.Health;

/// <summary>How much of the database the health check reads.</summary>
public enum HealthCheckDepth
{
    /// <summary>
    /// The start-up check, the default: reads only what costs the same at 1 MB and at 100 GB (the file header, pragmas, the
    /// schema tables, the schema version, the SQLite library version) and probes the directory. <c>quick_check</c> does not
    /// run. About a millisecond, whatever the store's size.
    /// </summary>
    Fast,

    /// <summary>
    /// Everything <see cref="Fast"/> reads, plus <c>PRAGMA quick_check</c> (when <see cref="OptionalHealthChecks.QuickCheck"/>
    /// is on), which reads every page of the database: about 1.2 s per GB here, bounded by
    /// <see cref="StartupHealthCheckOptions.QuickCheckTimeout"/>. For <c>agentos health --deep</c>, a scheduled
    /// <see cref="AgentOsStoreHealthCheck"/>, or a maintenance window; not for every start-up.
    /// </summary>
    Deep,
}
