using System.Collections.Generic;
using System.Collections.Immutable;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// What the analyzer knows about the value of a path expression: one or more shapes (<see cref="PathText"/>), one of
/// which the value takes at run time. Every operation over-approximates: the shapes always cover the real value.
/// </summary>
internal sealed class PathValue
{
    /// <summary>Past this many shapes a value is treated as unknown, which keeps evaluation bounded.</summary>
    public const int MaxAlternatives = 16;

    private PathValue(ImmutableArray<PathText> alternatives) => Alternatives = alternatives;

    public ImmutableArray<PathText> Alternatives { get; }

    /// <summary>True when the value is a single hole that may hold anything: nothing is known.</summary>
    public bool IsUnknown => Alternatives.Length == 1 && Alternatives[0].Parts.Length == 1 && Alternatives[0].Parts[0].Kind == PathPartKind.AnyHole;

    public static PathValue Literal(string text) => new(ImmutableArray.Create(PathText.Literal(text)));

    public static PathValue Unknown(string display) => Hole(PathPartKind.AnyHole, display);

    public static PathValue Hole(PathPartKind kind, string display) => new(ImmutableArray.Create(PathText.Hole(kind, display)));

    public static PathValue Union(PathValue left, PathValue right)
    {
        var all = new List<PathText>(left.Alternatives.Length + right.Alternatives.Length);
        all.AddRange(left.Alternatives);
        all.AddRange(right.Alternatives);
        return FromAlternatives(all, left, right);
    }

    public static PathValue Concat(PathValue left, PathValue right)
    {
        var all = new List<PathText>();
        foreach (var l in left.Alternatives)
        {
            foreach (var r in right.Alternatives)
            {
                all.Add(l.Concat(r));
            }
        }

        return FromAlternatives(all, left, right);
    }

    /// <summary><c>Path.Combine(left, right)</c>: a rooted right part replaces the left one; an empty part is skipped.</summary>
    public static PathValue Combine(PathValue left, PathValue right) => Pairwise(left, right, rootedReplaces: true);

    /// <summary><c>Path.Join(left, right)</c>: like Combine, but a rooted right part is appended, not substituted.</summary>
    public static PathValue Join(PathValue left, PathValue right) => Pairwise(left, right, rootedReplaces: false);

    private static PathValue Pairwise(PathValue left, PathValue right, bool rootedReplaces)
    {
        var all = new List<PathText>();
        foreach (var l in left.Alternatives)
        {
            foreach (var r in right.Alternatives)
            {
                AddJoined(all, l, r, rootedReplaces);
            }
        }

        return FromAlternatives(all, left, right);
    }

    private static void AddJoined(List<PathText> results, PathText left, PathText right, bool rootedReplaces)
    {
        if (rootedReplaces && right.IsCertainlyRooted)
        {
            results.Add(right);
            return;
        }

        if (left.Parts.IsEmpty)
        {
            results.Add(right);
            return;
        }

        if (right.Parts.IsEmpty)
        {
            results.Add(left);
            return;
        }

        // A hole at the start of the right part may hold a rooted path (Combine returns it) ...
        if (rootedReplaces && right.MayBeRooted)
        {
            results.Add(right);
        }

        // ... and parts that may be empty are skipped by both methods.
        if (left.MayBeEmpty)
        {
            results.Add(right);
        }

        if (right.MayBeEmpty)
        {
            results.Add(left);
        }

        // Otherwise one separator goes between them. A hole at the seam may already hold that separator: the
        // shape "left/right" still covers it, the hole simply holding one character less.
        var separator = left.EndsWithSeparator || right.StartsWithSeparator ? PathText.Empty : PathText.Literal("/");
        results.Add(left.Concat(separator).Concat(right));
    }

    private static PathValue FromAlternatives(List<PathText> all, PathValue left, PathValue right)
    {
        var distinct = new List<PathText>();
        var seen = new HashSet<string>();
        foreach (var text in all)
        {
            if (seen.Add(Key(text)))
            {
                distinct.Add(text);
            }
        }

        if (distinct.Count > MaxAlternatives)
        {
            return Unknown(left.Alternatives[0] + "+" + right.Alternatives[0]);
        }

        return new PathValue(distinct.ToImmutableArray());
    }

    private static string Key(PathText text)
    {
        var key = new System.Text.StringBuilder();
        foreach (var part in text.Parts)
        {
            key.Append((int)part.Kind).Append(':').Append(part.Kind == PathPartKind.Literal ? part.Text : string.Empty).Append('\u0001');
        }

        return key.ToString();
    }

    /// <summary>The shape shown to the user: the one with the most known text.</summary>
    public PathText Representative
    {
        get
        {
            var best = Alternatives[0];
            foreach (var alternative in Alternatives)
            {
                if (alternative.Parts.Length > best.Parts.Length)
                {
                    best = alternative;
                }
            }

            return best;
        }
    }
}
