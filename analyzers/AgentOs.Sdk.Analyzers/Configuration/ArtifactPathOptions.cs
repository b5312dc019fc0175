using System.Collections.Concurrent;
using AgentOs.Sdk.Analyzers.Paths;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Analyzers.Configuration;

/// <summary>
/// Reads <c>agentos_sdk.artifact_paths</c> from <c>.editorconfig</c> (or a global config) for each syntax tree, so
/// folders of one project can use different globs. Parsed values are cached per distinct option text.
/// </summary>
internal sealed class ArtifactPathOptions
{
    /// <summary>The <c>.editorconfig</c> key.</summary>
    public const string ArtifactPathsKey = "agentos_sdk.artifact_paths";

    private readonly AnalyzerConfigOptionsProvider _provider;
    private readonly ConcurrentDictionary<string, ArtifactPathGlobs> _parsed = new(System.StringComparer.Ordinal);

    public ArtifactPathOptions(AnalyzerConfigOptionsProvider provider) => _provider = provider;

    public ArtifactPathGlobs GetGlobs(SyntaxTree tree)
    {
        if (!_provider.GetOptions(tree).TryGetValue(ArtifactPathsKey, out var value) || value is null)
        {
            return ArtifactPathGlobs.Default;
        }

        return _parsed.GetOrAdd(value, static text => ArtifactPathGlobs.Parse(text));
    }
}
