using AgentOs.Cli.Durability;

namespace AgentOs.Sdk.Tests.IO.Support;

/// <summary>A fact that records system calls with strace; skipped like <see cref="StraceTheoryAttribute"/>.</summary>
public sealed class StraceFactAttribute : FactAttribute
{
    public StraceFactAttribute()
    {
        if (StraceRecorder.Unavailable() is { } reason
            && !string.Equals(Environment.GetEnvironmentVariable("AGENTOS_REQUIRE_STRACE"), "1", StringComparison.Ordinal))
        {
            Skip = $"Needs strace to record system calls ({reason}); set AGENTOS_REQUIRE_STRACE=1 to make this a failure.";
        }
    }
}
