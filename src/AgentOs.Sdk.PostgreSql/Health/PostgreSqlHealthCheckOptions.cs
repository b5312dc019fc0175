using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Logging;

namespace AgentOs.Sdk.PostgreSql.Health;

/// <summary>Options for <see cref="PostgreSqlHealthCheck"/>.</summary>
public sealed class PostgreSqlHealthCheckOptions
{
    /// <summary>How long connecting may take before <c>server_reachable</c> fails. Default 2 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The oldest schema version that passes <c>schema_version</c>. Default <see cref="StoreSchema.RecoveryTablesVersion"/> (0.24).</summary>
    public SchemaVersion MinimumSchemaVersion { get; set; } = StoreSchema.RecoveryTablesVersion;

    /// <summary>Where each check's result is logged. Default none.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The clock for the report's time and each check's duration. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout.TotalSeconds > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "The connect timeout must be between 1 and 1024 seconds.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    internal PostgreSqlHealthCheckOptions Clone() => (PostgreSqlHealthCheckOptions)MemberwiseClone();
}
