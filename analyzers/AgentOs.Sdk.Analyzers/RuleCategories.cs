namespace AgentOs.Sdk.Analyzers;

/// <summary>Diagnostic categories used by the rules.</summary>
internal static class RuleCategories
{
    /// <summary>Rules that keep data and processes correct across crashes.</summary>
    public const string Reliability = "Reliability";
}
