using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Hosting.Tests;

/// <summary>Builds real hosts with <see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/> for the tests.</summary>
internal static class HostFactory
{
    /// <summary>A host with AgentOs registered from code, on a fake clock, without the process's appsettings or environment.</summary>
    public static IHost Build(FakeTimeProvider clock, Action<AgentOsOptions> configure, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(clock);
        services?.Invoke(builder.Services);
        builder.Services.AddAgentOs(configure);
        return builder.Build();
    }

    /// <summary>A host with AgentOs bound from the <c>AgentOs</c> section of an in-memory configuration.</summary>
    public static IHost BuildFromConfiguration(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddAgentOs(builder.Configuration.GetSection(AgentOsOptions.SectionName));
        return builder.Build();
    }
}
