using AgentOs.Samples.HostedAgent;
using AgentOs.Sdk.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// A Worker Service: AgentOs.Sdk from configuration (appsettings.json, AgentOs__* environment variables, --AgentOs:...),
// the agent as a hosted service, and the SDK's metrics and traces exported to the console by OpenTelemetry.
var builder = Host.CreateApplicationBuilder(args);
var storeRoot = Path.GetFullPath("./store/hosted-agent");
builder.Services.AddAgentOs(builder.Configuration.GetSection("AgentOs"), options =>
{
    // Defaults for a first run; configuration wins when it sets them.
    options.DatabasePath ??= Path.Combine(storeRoot, "agentos.db");
    if (options.ArtifactDirectories.Count == 0)
    {
        options.ArtifactDirectories.Add(Path.Combine(storeRoot, "artifacts"));
    }
});
builder.Services.AddOpenTelemetry()
    .WithMetrics(metrics => metrics.AddMeter(AgentOsInstruments.MeterName).AddConsoleExporter())
    .WithTracing(tracing => tracing.AddSource(AgentOsInstruments.ActivitySourceName).AddConsoleExporter());
builder.Services.AddHostedService<DocumentAgent>();

using var host = builder.Build();
await host.RunAsync();
return DocumentAgent.ExitCode;
