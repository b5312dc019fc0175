using AgentOs.Sdk.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

// The namespace of IHealthChecksBuilder, as for every AddXxx health check, so that the method shows up without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the AgentOs store health check with <c>services.AddHealthChecks()</c>.</summary>
public static class AgentOsHealthChecksBuilderExtensions
{
    /// <summary>The name the check is registered under when none is given.</summary>
    public const string DefaultName = "agentos_store";

    /// <summary>
    /// Adds an <see cref="AgentOsStoreHealthCheck"/> for the database at <paramref name="databasePath"/>. It logs through the
    /// container's <see cref="ILoggerFactory"/> and uses its <see cref="TimeProvider"/> when there is one and
    /// <paramref name="configure"/> did not set them.
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="databasePath">The store's database file.</param>
    /// <param name="name">The registration name; default <see cref="DefaultName"/>.</param>
    /// <param name="failureStatus">What a failed check reports; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter health checks by (for example "ready").</param>
    /// <param name="configure">Sets the check's options, such as the store's own <see cref="StartupHealthCheckOptions.StoreOptions"/>.</param>
    public static IHealthChecksBuilder AddAgentOsStore(
        this IHealthChecksBuilder builder,
        string databasePath,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        Action<StartupHealthCheckOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);

        return builder.Add(new HealthCheckRegistration(
            name ?? DefaultName,
            services =>
            {
                var options = new StartupHealthCheckOptions
                {
                    Logger = services.GetService<ILoggerFactory>()?.CreateLogger<AgentOsStoreHealthCheck>(),
                    TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
                };
                configure?.Invoke(options);
                return new AgentOsStoreHealthCheck(databasePath, options);
            },
            failureStatus,
            tags));
    }
}
