using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.IO;

namespace AgentOs.Samples.ResumableAgent;

/// <summary>Stands in for a tool with a side effect (an API call, a commit): it records each effect under its step.</summary>
internal static class FakeTool
{
    public static async Task<ToolResult> RunAsync(string work, int step, string query, CancellationToken cancellationToken)
    {
        // The effect is keyed by step, as a real tool's idempotency key would be: applying it again changes nothing.
        string effect = Path.Combine(work, "tool-effects", $"step-{step:D2}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(effect)!);
        await AtomicFile.WriteJsonAsync(effect, new { step, query, pid = Environment.ProcessId }, cancellationToken: cancellationToken);
        return new ToolResult(0, $"results for {query}\n", string.Empty);
    }
}
