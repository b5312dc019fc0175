using System.Collections.Concurrent;
using AgentOs.Sdk.Analyzers.Paths;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Analyzers.Configuration;

/// <summary>
/// Reads AOS001's options from <c>.editorconfig</c> (or a global config) for each syntax tree, so folders of one project
/// can use different values. Parsed values are cached per distinct option text.
/// </summary>
internal sealed class ArtifactPathOptions
{
    /// <summary>Globs of artifact paths.</summary>
    public const string ArtifactPathsKey = "agentos_sdk.artifact_paths";

    /// <summary>Words that make a parameter, field, property or local an artifact path by its name.</summary>
    public const string ArtifactPathNamesKey = "agentos_sdk.artifact_path_names";

    /// <summary>Types and members whose file writes are artifacts whatever the path.</summary>
    public const string ArtifactWritersKey = "agentos_sdk.artifact_writers";

    private readonly AnalyzerConfigOptionsProvider _provider;
    private readonly ConcurrentDictionary<string, ArtifactPathGlobs> _globs = new(System.StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PathNames> _names = new(System.StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ArtifactWriters> _writers = new(System.StringComparer.Ordinal);

    public ArtifactPathOptions(AnalyzerConfigOptionsProvider provider) => _provider = provider;

    public ArtifactPathGlobs GetGlobs(SyntaxTree tree)
        => _provider.GetOptions(tree).TryGetValue(ArtifactPathsKey, out var value) && value is not null
            ? _globs.GetOrAdd(value, static text => ArtifactPathGlobs.Parse(text))
            : ArtifactPathGlobs.Default;

    public PathNames GetNames(SyntaxTree tree)
        => _provider.GetOptions(tree).TryGetValue(ArtifactPathNamesKey, out var value) && value is not null
            ? _names.GetOrAdd(value, static text => PathNames.Parse(text))
            : PathNames.Default;

    public ArtifactWriters GetWriters(SyntaxTree tree)
        => _provider.GetOptions(tree).TryGetValue(ArtifactWritersKey, out var value) && value is not null
            ? _writers.GetOrAdd(value, static text => ArtifactWriters.Parse(text))
            : ArtifactWriters.Default;
}
