using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Hosting;

/// <summary>The hosting package's log events (ids 9xx, stable; see <c>docs/telemetry.md</c>).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 901, EventName = "StartupHealthPassed", Level = LogLevel.Information,
        Message = "AgentOs start-up health check passed on {DatabasePath}: {Summary}")]
    public static partial void HealthPassed(ILogger logger, string databasePath, AgentOs.Sdk.Health.StartupHealthReport summary);

    [LoggerMessage(EventId = 902, EventName = "StartupHealthCheckFailed", Level = LogLevel.Warning,
        Message = "AgentOs start-up health check {Check} failed on {DatabasePath} ({Mode} mode: {Consequence}): {Message}")]
    public static partial void CheckFailed(ILogger logger, string check, string databasePath, AgentOs.Sdk.Health.HealthCheckMode mode, string consequence, string message);

    [LoggerMessage(EventId = 903, EventName = "StartupRefused", Level = LogLevel.Critical,
        Message = "AgentOs start-up refused (Strict mode) on {DatabasePath}; the exception lists every failed check")]
    public static partial void StartupRefused(ILogger logger, Exception exception, string databasePath);

    [LoggerMessage(EventId = 904, EventName = "FileRolledForward", Level = LogLevel.Warning,
        Message = "Start-up recovery finished an interrupted atomic write (rolled forward): {Path}")]
    public static partial void RolledForward(ILogger logger, string path);

    [LoggerMessage(EventId = 905, EventName = "FileRolledBack", Level = LogLevel.Warning,
        Message = "Start-up recovery undid an interrupted atomic write (rolled back; the previous content stays): {Path}")]
    public static partial void RolledBack(ILogger logger, string path);

    [LoggerMessage(EventId = 906, EventName = "TempFileDeleted", Level = LogLevel.Information,
        Message = "Start-up recovery deleted the orphan temp file {Path}")]
    public static partial void TempDeleted(ILogger logger, string path);

    [LoggerMessage(EventId = 907, EventName = "ArtifactDirectoryMissing", Level = LogLevel.Information,
        Message = "Artifact directory {Directory} does not exist yet; nothing to recover there")]
    public static partial void DirectoryMissing(ILogger logger, string directory);

    [LoggerMessage(EventId = 908, EventName = "RecoverySkipped", Level = LogLevel.Warning,
        Message = "Recovery is off (Safe mode after a failed health check on {DatabasePath}): start-up artifact recovery and the recovery sweep do not run")]
    public static partial void RecoverySkipped(ILogger logger, string databasePath);

    [LoggerMessage(EventId = 909, EventName = "SweepRunFailed", Level = LogLevel.Error,
        Message = "Recovery sweep run failed ({Failures} in a row); next run in {Backoff}")]
    public static partial void SweepFailed(ILogger logger, Exception? exception, int failures, TimeSpan backoff);

    [LoggerMessage(EventId = 910, EventName = "SweepStopped", Level = LogLevel.Debug,
        Message = "Recovery sweep stopped after {Runs} runs")]
    public static partial void SweepStopped(ILogger logger, long runs);

    [LoggerMessage(EventId = 911, EventName = "LeaseReleasedOnStop", Level = LogLevel.Information,
        Message = "Host stopping: released lease epoch {Epoch} on work item {WorkItemId} held by {Holder} (the item is {Status} now)")]
    public static partial void LeaseReleased(ILogger logger, long epoch, string workItemId, string holder, AgentOs.Sdk.Leases.WorkItemStatus status);

    [LoggerMessage(EventId = 912, EventName = "LeaseReleaseOnStopFailed", Level = LogLevel.Warning,
        Message = "Host stopping: could not release lease epoch {Epoch} on work item {WorkItemId}; it expires on its own: {Error}")]
    public static partial void LeaseReleaseFailed(ILogger logger, long epoch, string workItemId, string error);

    [LoggerMessage(EventId = 913, EventName = "StoreOpenFailed", Level = LogLevel.Error,
        Message = "The AgentOs store {DatabasePath} could not be opened ({Mode} mode goes on with the health report): {Error}")]
    public static partial void StoreOpenFailed(ILogger logger, string databasePath, AgentOs.Sdk.Health.HealthCheckMode mode, string error);
}
