using AgentOs.Cli.Durability;

namespace AgentOs.Sdk.Tests.IO.Support;

/// <summary>
/// A theory that records system calls with strace. Where strace is missing or cannot trace, it is skipped with the
/// reason, unless <c>AGENTOS_REQUIRE_STRACE=1</c> (set by CI), which makes it run and fail with that reason instead.
/// </summary>
public sealed class StraceTheoryAttribute : TheoryAttribute
{
    public StraceTheoryAttribute()
    {
        if (StraceRecorder.Unavailable() is { } reason
            && !string.Equals(Environment.GetEnvironmentVariable("AGENTOS_REQUIRE_STRACE"), "1", StringComparison.Ordinal))
        {
            Skip = $"Needs strace to record system calls ({reason}); set AGENTOS_REQUIRE_STRACE=1 to make this a failure.";
        }
    }
}
