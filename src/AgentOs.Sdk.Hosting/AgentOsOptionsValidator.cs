using System.Globalization;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Leases;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Options;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// Checks <see cref="AgentOsOptions"/> when the host starts (<c>ValidateOnStart</c>): one message per bad setting, each
/// naming the setting (with its configuration path) and the value, all reported together.
/// </summary>
public sealed class AgentOsOptionsValidator : IValidateOptions<AgentOsOptions>
{
    private static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, AgentOsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.BindingErrors);
        void Fail(string key, object? value, string problem) => failures.Add(Describe(options, key, Format(value), problem));

        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            failures.Add($"{Name(options, nameof(AgentOsOptions.DatabasePath))} is required: the SQLite file of the store, such as 'store/agentos.sqlite'.");
        }
        else if (Directory.Exists(options.DatabasePath))
        {
            Fail(nameof(AgentOsOptions.DatabasePath), options.DatabasePath, "is a directory; give the database file inside it");
        }

        if (!Enum.IsDefined(options.Synchronous))
        {
            Fail(nameof(AgentOsOptions.Synchronous), options.Synchronous, $"is not one of {string.Join(", ", Enum.GetNames<SynchronousMode>())}");
        }

        if (!Enum.IsDefined(options.HealthCheckMode))
        {
            Fail(nameof(AgentOsOptions.HealthCheckMode), options.HealthCheckMode, $"is not one of {string.Join(", ", Enum.GetNames<HealthCheckMode>())}");
        }

        if (options.BusyTimeout < TimeSpan.Zero || options.BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            Fail(nameof(AgentOsOptions.BusyTimeout), options.BusyTimeout, "must be between 0 and 24 days");
        }
        else if (options.BusyTimeout < StoreOptions.MinimumRecommendedBusyTimeout && !options.AllowShortBusyTimeout)
        {
            Fail(
                nameof(AgentOsOptions.BusyTimeout),
                options.BusyTimeout,
                $"is below the floor of {Format(StoreOptions.MinimumRecommendedBusyTimeout)}, which loses writes under contention; raise it, or set {Name(options, nameof(AgentOsOptions.AllowShortBusyTimeout))} to true (tests only)");
        }

        foreach (var directory in options.ArtifactDirectories)
        {
            if (string.IsNullOrWhiteSpace(directory))
            {
                failures.Add($"{Name(options, nameof(AgentOsOptions.ArtifactDirectories))} holds an empty path.");
            }
            else if (File.Exists(directory))
            {
                Fail(nameof(AgentOsOptions.ArtifactDirectories), directory, "is a file, not a directory");
            }
        }

        if (options.SweepInterval <= TimeSpan.Zero || options.SweepInterval > MaxInterval)
        {
            Fail(nameof(AgentOsOptions.SweepInterval), options.SweepInterval, "must be positive and at most one day");
        }

        if (options.SweepJitter < TimeSpan.Zero)
        {
            Fail(nameof(AgentOsOptions.SweepJitter), options.SweepJitter, "cannot be negative");
        }
        else if (options.SweepInterval > TimeSpan.Zero && options.SweepJitter >= options.SweepInterval)
        {
            Fail(nameof(AgentOsOptions.SweepJitter), options.SweepJitter, $"must be below {Name(options, nameof(AgentOsOptions.SweepInterval))} ({Format(options.SweepInterval)})");
        }

        if (options.SweepMaxBackoff <= TimeSpan.Zero || options.SweepMaxBackoff > MaxInterval)
        {
            Fail(nameof(AgentOsOptions.SweepMaxBackoff), options.SweepMaxBackoff, "must be positive and at most one day");
        }

        if (options.SweepBatchSize is < 1 or > 10_000)
        {
            Fail(nameof(AgentOsOptions.SweepBatchSize), options.SweepBatchSize, "must be between 1 and 10000");
        }

        if (options.WorkerId is { } worker && string.IsNullOrWhiteSpace(worker))
        {
            failures.Add($"{Name(options, nameof(AgentOsOptions.WorkerId))} is blank; leave it unset for the machine name and process id.");
        }

        if (options.Leases.HeartbeatInterval is { } heartbeat && heartbeat <= TimeSpan.Zero)
        {
            Fail("Leases:HeartbeatInterval", heartbeat, "must be positive");
        }

        if (options.Leases.RenewalDuration is { } renewal && (renewal < TimeSpan.FromMilliseconds(1) || renewal > LeaseManager.MaximumDuration))
        {
            Fail("Leases:RenewalDuration", renewal, "must be between 1 ms and 365 days");
        }

        Positive(options.Idempotency.ClaimDuration, "Idempotency:ClaimDuration");
        Positive(options.Idempotency.PollInterval, "Idempotency:PollInterval");
        Positive(options.Idempotency.WaitTimeout, "Idempotency:WaitTimeout");
        Positive(options.Idempotency.HitCountFlushInterval, "Idempotency:HitCountFlushInterval");
        if (options.Idempotency.DefaultTimeToLive is { } ttl)
        {
            Positive(ttl, "Idempotency:DefaultTimeToLive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(36_500))
            {
                Fail(key, value, "must be positive and at most 100 years");
            }
        }
    }

    /// <summary>One message: the setting's full name, its value and what is wrong with it.</summary>
    internal static string Describe(AgentOsOptions options, string key, string? value, string problem) =>
        $"{Name(options, key)} = '{value}' {problem}.";

    private static string Name(AgentOsOptions options, string key) =>
        options.SectionPath is { } section ? $"{section}:{key}" : $"{nameof(AgentOsOptions)}.{key.Replace(':', '.')}";

    private static string? Format(object? value) => value switch
    {
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };
}
