using System.Collections.Generic;
using System.Collections.Immutable;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// The words that make a parameter, field, property or local an artifact path by its name (the
/// <c>agentos_sdk.artifact_path_names</c> option): <c>checkpointPath</c>, <c>ArtifactsDir</c> and
/// <c>_checkpointFile</c> hold the word "checkpoint" or "artifact". Names are split into words at case changes,
/// digits and underscores; a word matches in the singular or with a plural "s", whatever its case.
/// </summary>
internal sealed class PathNames
{
    /// <summary>The option value used when <c>.editorconfig</c> sets none.</summary>
    public const string DefaultValue = "checkpoint, artifact";

    public static readonly PathNames Default = Parse(DefaultValue);

    private readonly ImmutableHashSet<string> _words;

    private PathNames(ImmutableHashSet<string> words) => _words = words;

    public bool IsEmpty => _words.IsEmpty;

    /// <summary>Comma-separated words; <c>none</c> turns name matching off.</summary>
    public static PathNames Parse(string value)
    {
        var words = ImmutableHashSet.CreateBuilder<string>(System.StringComparer.OrdinalIgnoreCase);
        if (!string.Equals(value.Trim(), ArtifactPathGlobs.NoneValue, System.StringComparison.OrdinalIgnoreCase))
        {
            foreach (var item in value.Split(','))
            {
                var word = item.Trim();
                if (word.Length > 0)
                {
                    words.Add(word);
                }
            }
        }

        return new PathNames(words.ToImmutable());
    }

    public bool Matches(string name)
    {
        if (_words.IsEmpty)
        {
            return false;
        }

        foreach (var word in Words(name))
        {
            if (_words.Contains(word) || (word.Length > 1 && (word[word.Length - 1] == 's' || word[word.Length - 1] == 'S') && _words.Contains(word.Substring(0, word.Length - 1))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"_checkpointDirPath2" gives "checkpoint", "Dir", "Path"; "ARTIFACTS_DIR" gives "ARTIFACTS", "DIR".</summary>
    private static IEnumerable<string> Words(string name)
    {
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var c = i < name.Length ? name[i] : '_';
            var boundary = !char.IsLetter(c)
                || (i > 0 && char.IsUpper(c) && char.IsLower(name[i - 1]))
                || (i > 0 && i + 1 < name.Length && char.IsUpper(c) && char.IsUpper(name[i - 1]) && char.IsLower(name[i + 1]));
            if (boundary && start >= 0)
            {
                yield return name.Substring(start, i - start);
                start = -1;
            }

            if (char.IsLetter(c) && start < 0)
            {
                start = i;
            }
        }
    }
}
