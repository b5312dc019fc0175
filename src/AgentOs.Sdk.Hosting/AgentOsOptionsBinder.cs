using System.Globalization;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Configuration;

namespace AgentOs.Sdk.Hosting;

/// <summary>
/// Binds <see cref="AgentOsOptions"/> from a configuration section by hand, so that a value that does not parse (an
/// unknown mode, a malformed time span) becomes one validation message naming the setting and the value, reported with
/// every other bad setting, instead of the binder's first exception.
/// </summary>
internal static class AgentOsOptionsBinder
{
    private static readonly HashSet<string> KnownKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(AgentOsOptions.DatabasePath), nameof(AgentOsOptions.Synchronous), nameof(AgentOsOptions.BusyTimeout),
        nameof(AgentOsOptions.AllowShortBusyTimeout), nameof(AgentOsOptions.ArtifactDirectories), nameof(AgentOsOptions.RecoverArtifactsRecursively),
        nameof(AgentOsOptions.HealthCheckMode), nameof(AgentOsOptions.SweepEnabled), nameof(AgentOsOptions.SweepInterval),
        nameof(AgentOsOptions.SweepJitter), nameof(AgentOsOptions.SweepMaxBackoff), nameof(AgentOsOptions.SweepBatchSize),
        nameof(AgentOsOptions.WorkerId), nameof(AgentOsOptions.Leases), nameof(AgentOsOptions.Idempotency),
    };

    public static void Bind(IConfiguration section, AgentOsOptions options)
    {
        var path = (section as IConfigurationSection)?.Path;
        options.SectionPath = string.IsNullOrEmpty(path) ? null : path;
        var reader = new Reader(section, options);

        foreach (var child in section.GetChildren())
        {
            if (!KnownKeys.Contains(child.Key))
            {
                reader.Error(child.Key, child.Value, "is not a setting of AgentOs.Sdk.Hosting (a misspelling?)");
            }
        }

        reader.String(nameof(AgentOsOptions.DatabasePath), v => options.DatabasePath = v);
        reader.Enum<SynchronousMode>(nameof(AgentOsOptions.Synchronous), v => options.Synchronous = v);
        reader.TimeSpan(nameof(AgentOsOptions.BusyTimeout), v => options.BusyTimeout = v);
        reader.Bool(nameof(AgentOsOptions.AllowShortBusyTimeout), v => options.AllowShortBusyTimeout = v);
        foreach (var directory in section.GetSection(nameof(AgentOsOptions.ArtifactDirectories)).GetChildren())
        {
            if (!string.IsNullOrWhiteSpace(directory.Value))
            {
                options.ArtifactDirectories.Add(directory.Value);
            }
        }

        reader.Bool(nameof(AgentOsOptions.RecoverArtifactsRecursively), v => options.RecoverArtifactsRecursively = v);
        reader.Enum<HealthCheckMode>(nameof(AgentOsOptions.HealthCheckMode), v => options.HealthCheckMode = v);
        reader.Bool(nameof(AgentOsOptions.SweepEnabled), v => options.SweepEnabled = v);
        reader.TimeSpan(nameof(AgentOsOptions.SweepInterval), v => options.SweepInterval = v);
        reader.TimeSpan(nameof(AgentOsOptions.SweepJitter), v => options.SweepJitter = v);
        reader.TimeSpan(nameof(AgentOsOptions.SweepMaxBackoff), v => options.SweepMaxBackoff = v);
        reader.Int(nameof(AgentOsOptions.SweepBatchSize), v => options.SweepBatchSize = v);
        reader.String(nameof(AgentOsOptions.WorkerId), v => options.WorkerId = v);

        var leases = new Reader(section.GetSection(nameof(AgentOsOptions.Leases)), options, nameof(AgentOsOptions.Leases));
        leases.TimeSpan(nameof(options.Leases.HeartbeatInterval), v => options.Leases.HeartbeatInterval = v);
        leases.TimeSpan(nameof(options.Leases.RenewalDuration), v => options.Leases.RenewalDuration = v);

        var idempotency = new Reader(section.GetSection(nameof(AgentOsOptions.Idempotency)), options, nameof(AgentOsOptions.Idempotency));
        idempotency.TimeSpan(nameof(options.Idempotency.ClaimDuration), v => options.Idempotency.ClaimDuration = v);
        idempotency.TimeSpan(nameof(options.Idempotency.PollInterval), v => options.Idempotency.PollInterval = v);
        idempotency.TimeSpan(nameof(options.Idempotency.WaitTimeout), v => options.Idempotency.WaitTimeout = v);
        idempotency.TimeSpan(nameof(options.Idempotency.DefaultTimeToLive), v => options.Idempotency.DefaultTimeToLive = v);
        idempotency.TimeSpan(nameof(options.Idempotency.HitCountFlushInterval), v => options.Idempotency.HitCountFlushInterval = v);
    }

    private sealed class Reader(IConfiguration section, AgentOsOptions options, string? prefix = null)
    {
        public void Error(string key, string? value, string problem) =>
            options.BindingErrors.Add(AgentOsOptionsValidator.Describe(options, prefix is null ? key : $"{prefix}:{key}", value, problem));

        public void String(string key, Action<string> set)
        {
            if (section[key] is { } value)
            {
                set(value);
            }
        }

        public void Bool(string key, Action<bool> set) => Parse(key, set, (string s, out bool v) => bool.TryParse(s, out v), "is not true or false");

        public void Int(string key, Action<int> set) =>
            Parse(key, set, (string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v), "is not a whole number");

        public void TimeSpan(string key, Action<TimeSpan> set) =>
            Parse(key, set, (string s, out TimeSpan v) => System.TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out v), "is not a time span (write it as hh:mm:ss, such as 00:00:30)");

        public void Enum<T>(string key, Action<T> set)
            where T : struct, System.Enum =>
            Parse(
                key,
                set,
                (string s, out T v) => System.Enum.TryParse(s, ignoreCase: true, out v) && System.Enum.IsDefined(v) && !int.TryParse(s, out _),
                $"is not one of {string.Join(", ", System.Enum.GetNames<T>())}");

        private void Parse<T>(string key, Action<T> set, TryParser<T> parse, string problem)
        {
            if (section[key] is not { } value)
            {
                return;
            }

            if (parse(value.Trim(), out var parsed))
            {
                set(parsed);
            }
            else
            {
                Error(key, value, problem);
            }
        }
    }

    private delegate bool TryParser<T>(string text, out T value);
}
