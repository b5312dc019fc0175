using Microsoft.Extensions.Options;

namespace AgentOs.Sdk.Hosting.Tests;

public sealed class OptionsValidationTests
{
    [Fact]
    public async Task Bad_configuration_fails_start_with_one_clear_message_per_setting()
    {
        using var host = HostFactory.BuildFromConfiguration(new Dictionary<string, string?>
        {
            // No DatabasePath.
            ["AgentOs:BusyTimeout"] = "00:00:01",
            ["AgentOs:SweepInterval"] = "-00:00:05",
            ["AgentOs:HealthCheckMode"] = "Lenient",
            ["AgentOs:SweepBatchSize"] = "lots",
            ["AgentOs:SweepIntervall"] = "00:01:00",
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        var failures = ex.Failures.ToList();
        Assert.Equal(6, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("AgentOs:DatabasePath is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AgentOs:BusyTimeout = '00:00:01' is below the floor of 00:00:05", StringComparison.Ordinal) && f.Contains("AgentOs:AllowShortBusyTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AgentOs:SweepInterval = '-00:00:05' must be positive", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AgentOs:HealthCheckMode = 'Lenient' is not one of Strict, Safe, Dev", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AgentOs:SweepBatchSize = 'lots' is not a whole number", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("AgentOs:SweepIntervall = '00:01:00' is not a setting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_short_busy_timeout_opt_out_and_valid_settings_pass_validation()
    {
        using var dir = new TestDirectory();
        using var host = HostFactory.BuildFromConfiguration(new Dictionary<string, string?>
        {
            ["AgentOs:DatabasePath"] = dir.File("agentos.sqlite"),
            ["AgentOs:BusyTimeout"] = "00:00:01",
            ["AgentOs:AllowShortBusyTimeout"] = "true",
            ["AgentOs:HealthCheckMode"] = "dev",
            ["AgentOs:SweepInterval"] = "00:01:00",
            ["AgentOs:ArtifactDirectories:0"] = dir.File("artifacts"),
            ["AgentOs:Leases:HeartbeatInterval"] = "00:00:05",
            ["AgentOs:Idempotency:ClaimDuration"] = "00:02:00",
        });

        await host.StartAsync();
        var options = host.Services.GetService(typeof(IOptions<AgentOsOptions>)) as IOptions<AgentOsOptions>;
        Assert.Equal(Health.HealthCheckMode.Dev, options!.Value.HealthCheckMode);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Value.Leases.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Value.Idempotency.ClaimDuration);
        Assert.Equal([dir.File("artifacts")], options.Value.ArtifactDirectories);
        await host.StopAsync();
    }

    [Fact]
    public void Options_set_in_code_are_named_by_property()
    {
        var result = new AgentOsOptionsValidator().Validate(null, new AgentOsOptions { SweepJitter = TimeSpan.FromMinutes(1) });
        Assert.Contains("AgentOsOptions.DatabasePath is required", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AgentOsOptions.SweepJitter = '00:01:00' must be below AgentOsOptions.SweepInterval (00:00:30)", result.FailureMessage, StringComparison.Ordinal);
    }
}
