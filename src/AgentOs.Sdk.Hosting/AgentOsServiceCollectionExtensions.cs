using System.Diagnostics.Metrics;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Diagnostics;
using AgentOs.Sdk.Hosting;
using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Recovery;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// The namespace of IServiceCollection, as for every AddXxx, so that the method shows up without a using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers AgentOs.Sdk in a .NET host: <c>builder.Services.AddAgentOs(...)</c>.</summary>
public static class AgentOsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the AgentOs store and its modules as singletons the container disposes (<see cref="AgentOsStore"/>,
    /// <see cref="CheckpointManager"/>, <see cref="LeaseManager"/>, <see cref="WorkQueue"/>, <see cref="RecoverySweep"/>,
    /// <see cref="IdempotencyStore"/>, <see cref="LlmOutputCache"/>, <see cref="ToolLedger"/>, <see cref="LeaseHeartbeatRegistry"/>),
    /// <see cref="IAgentOsRecoveryState"/>, the start-up service (health check, then artifact recovery, before the app
    /// serves) and the recovery sweep service. Options are validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    public static IServiceCollection AddAgentOs(this IServiceCollection services, Action<AgentOsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        AddCore(services).Configure(configure);
        return services;
    }

    /// <summary>
    /// Registers AgentOs.Sdk as <see cref="AddAgentOs(IServiceCollection, Action{AgentOsOptions})"/> does, with options bound
    /// from <paramref name="configuration"/> (by convention <c>builder.Configuration.GetSection("AgentOs")</c>), then
    /// <paramref name="configure"/>. A value that does not parse, or a key that is not a setting, fails start-up with a
    /// message naming it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding the settings.</param>
    /// <param name="configure">Sets options after binding; optional.</param>
    public static IServiceCollection AddAgentOs(this IServiceCollection services, IConfiguration configuration, Action<AgentOsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services).Configure(options => AgentOsOptionsBinder.Bind(configuration, options));
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        return services;
    }

    private static OptionsBuilder<AgentOsOptions> AddCore(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<AgentOsOptions>();
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOsOptions>, AgentOsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => AgentOsTelemetry.Create(sp.GetService<IMeterFactory>()));

        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AgentOsOptions>>().Value;
            var storeOptions = options.ToStoreOptions(sp.GetRequiredService<TimeProvider>());
            // The container's logging and metrics flow into every module of the store.
            storeOptions.LoggerFactory = sp.GetService<ILoggerFactory>();
            storeOptions.MeterFactory = sp.GetService<IMeterFactory>();
            return AgentOsStore.Open(options.DatabasePath!, storeOptions);
        });
        services.TryAddSingleton(sp => new CheckpointManager(
            sp.GetRequiredService<AgentOsStore>(),
            new CheckpointManagerOptions { TimeProvider = sp.GetRequiredService<TimeProvider>() }));
        services.TryAddSingleton(sp => new LeaseManager(
            sp.GetRequiredService<AgentOsStore>(),
            Options(sp).EffectiveWorkerId,
            sp.GetRequiredService<TimeProvider>(),
            Options(sp).Leases));
        services.TryAddSingleton(sp => new WorkQueue(sp.GetRequiredService<AgentOsStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new RecoverySweep(
            sp.GetRequiredService<AgentOsStore>(),
            sp.GetRequiredService<TimeProvider>(),
            new RecoverySweepOptions { BatchSize = Options(sp).SweepBatchSize }));
        services.TryAddSingleton(sp => new IdempotencyStore(
            sp.GetRequiredService<AgentOsStore>(),
            Options(sp).EffectiveWorkerId,
            sp.GetRequiredService<TimeProvider>(),
            Options(sp).Idempotency));
        services.TryAddSingleton(sp => new LlmOutputCache(sp.GetRequiredService<IdempotencyStore>()));
        services.TryAddSingleton(sp => new ToolLedger(sp.GetRequiredService<IdempotencyStore>()));
        services.TryAddSingleton(sp => new LeaseHeartbeatRegistry(
            sp.GetRequiredService<LeaseManager>(),
            sp.GetService<ILogger<LeaseHeartbeatRegistry>>()));

        services.TryAddSingleton<AgentOsRecoveryState>();
        services.TryAddSingleton<IAgentOsRecoveryState>(sp => sp.GetRequiredService<AgentOsRecoveryState>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AgentOsStartupService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AgentOsRecoverySweepService>());
        return builder;
    }

    private static AgentOsOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<AgentOsOptions>>().Value;
}
