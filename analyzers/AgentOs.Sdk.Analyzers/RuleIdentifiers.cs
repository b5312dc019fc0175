namespace AgentOs.Sdk.Analyzers;

/// <summary>The id of every rule, in one place, and where each rule's documentation lives.</summary>
public static class RuleIdentifiers
{
    /// <summary>AOS001: an artifact written in place instead of through <c>AtomicFile</c>.</summary>
    public const string UseAtomicFileForArtifacts = "AOS001";

    /// <summary>AOS002: a worker entry point that captures locals, parameters or <c>this</c>.</summary>
    public const string WorkerEntryPointCapturesState = "AOS002";

    /// <summary>AOS003: a worker entry point lambda that captures nothing but is not <c>static</c>.</summary>
    public const string WorkerEntryPointCanBeStatic = "AOS003";

    /// <summary>The folder that holds one <c>{id}.md</c> page per rule.</summary>
    public const string HelpLinkBaseUri = "https://github.com/agentos-sdk/agentos-sdk/blob/main/docs/rules/";

    /// <summary>The documentation page of a rule.</summary>
    public static string GetHelpUri(string identifier) => HelpLinkBaseUri + identifier + ".md";
}
