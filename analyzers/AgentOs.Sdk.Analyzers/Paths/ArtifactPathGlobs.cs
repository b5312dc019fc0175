using System.Collections.Generic;
using System.Collections.Immutable;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>The globs that make a path an artifact path (the <c>agentos_sdk.artifact_paths</c> option).</summary>
internal sealed class ArtifactPathGlobs
{
    /// <summary>The option value used when <c>.editorconfig</c> sets none.</summary>
    public const string DefaultValue = "**/artifacts/**, **/checkpoints/**, *.ok";

    /// <summary>The option value that turns path matching off (only <c>[ArtifactPath]</c> then marks artifacts).</summary>
    public const string NoneValue = "none";

    public static readonly ArtifactPathGlobs Default = Parse(DefaultValue);

    private ArtifactPathGlobs(ImmutableArray<GlobPattern> patterns) => Patterns = patterns;

    public ImmutableArray<GlobPattern> Patterns { get; }

    /// <summary>Parses a comma-separated list (commas inside braces belong to the glob). .editorconfig reads ; and # as comments.</summary>
    public static ArtifactPathGlobs Parse(string value)
    {
        var patterns = ImmutableArray.CreateBuilder<GlobPattern>();
        if (string.Equals(value.Trim(), NoneValue, System.StringComparison.OrdinalIgnoreCase))
        {
            return new ArtifactPathGlobs(patterns.ToImmutable());
        }

        foreach (var item in Split(value))
        {
            var pattern = GlobPattern.Parse(item);
            if (pattern is not null)
            {
                patterns.Add(pattern);
            }
        }

        return new ArtifactPathGlobs(patterns.ToImmutable());
    }

    /// <summary>
    /// Returns the glob that matches every value of <paramref name="value"/>'s representative shape when each of its
    /// shapes is matched by some glob; null otherwise.
    /// </summary>
    public GlobPattern? MatchEveryValue(PathValue value)
    {
        if (Patterns.IsEmpty)
        {
            return null;
        }

        GlobPattern? shown = null;
        var representative = value.Representative;
        foreach (var alternative in value.Alternatives)
        {
            var matched = FirstMatch(alternative);
            if (matched is null)
            {
                return null;
            }

            if (ReferenceEquals(alternative, representative))
            {
                shown = matched;
            }
        }

        return shown;
    }

    private GlobPattern? FirstMatch(PathText path)
    {
        foreach (var pattern in Patterns)
        {
            if (pattern.MatchesEveryValue(path))
            {
                return pattern;
            }
        }

        return null;
    }

    private static IEnumerable<string> Split(string value)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '{':
                    depth++;
                    break;
                case '}':
                    depth = depth > 0 ? depth - 1 : 0;
                    break;
                case ',' when depth == 0:
                    yield return value.Substring(start, i - start);
                    start = i + 1;
                    break;
            }
        }

        yield return value.Substring(start);
    }
}
