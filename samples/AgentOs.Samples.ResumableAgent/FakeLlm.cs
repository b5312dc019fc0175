namespace AgentOs.Samples.ResumableAgent;

/// <summary>Stands in for a model call: slow and deterministic. Replace it with your LLM client.</summary>
internal static class FakeLlm
{
    public static async Task<string> CompleteAsync(int step, CancellationToken cancellationToken)
    {
        // Real agents spend most of their time waiting for the model.
        await Task.Delay(TimeSpan.FromMilliseconds(150), cancellationToken);
        return $"topic-{step}";
    }
}
