namespace AgentOs.Sdk.Benchmarks;

/// <summary>Where benchmarks write: a fresh folder under <c>AGENTOS_BENCH_DIR</c>, or under the system temp folder.</summary>
internal static class BenchmarkDirectory
{
    public static string Create(string name)
    {
        string root = Environment.GetEnvironmentVariable("AGENTOS_BENCH_DIR") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "agentos-bench");
        return Directory.CreateDirectory(Path.Combine(root, $"{name}-{Guid.NewGuid():N}")).FullName;
    }
}
