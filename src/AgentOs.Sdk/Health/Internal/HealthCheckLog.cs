using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.Health.Internal;

/// <summary>The health check's log messages, source-generated so that a disabled level costs nothing.</summary>
internal static partial class HealthCheckLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Health check {Check} on {DatabasePath}: {Result} in {DurationMs:0.000} ms: {Message}")]
    public static partial void CheckCompleted(ILogger logger, string check, string databasePath, string result, double durationMs, string message);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Report}")]
    public static partial void ReportPassed(ILogger logger, string report);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "{Report}")]
    public static partial void ReportFailed(ILogger logger, string report);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Start-up health check {Check} failed on {DatabasePath}; {Consequence}: {Message}")]
    public static partial void CheckFailed(ILogger logger, string check, string databasePath, string consequence, string message);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Start-up health check failed on {DatabasePath}, start-up refused: {Failures}")]
    public static partial void StrictFailure(ILogger logger, string databasePath, string failures);
}
