using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// One possible shape of a path: literal text with holes. It stands for every string that fills the holes,
/// so a glob proven to match it matches whatever the unknown parts hold.
/// </summary>
internal sealed class PathText
{
    /// <summary>Element code of a <see cref="PathPartKind.SegmentHole"/> in <see cref="ToElements"/>.</summary>
    public const int SegmentHoleElement = -1;

    /// <summary>Element code of an <see cref="PathPartKind.AnyHole"/> in <see cref="ToElements"/>.</summary>
    public const int AnyHoleElement = -2;

    public static readonly PathText Empty = new(ImmutableArray<PathPart>.Empty);

    private PathText(ImmutableArray<PathPart> parts) => Parts = parts;

    public ImmutableArray<PathPart> Parts { get; }

    public static PathText Literal(string text) => Create(new[] { new PathPart(PathPartKind.Literal, text) });

    public static PathText Hole(PathPartKind kind, string display) => Create(new[] { new PathPart(kind, display) });

    /// <summary>Builds a path, normalizing separators to '/', merging literals, collapsing "//" and dropping "./" segments.</summary>
    public static PathText Create(IEnumerable<PathPart> parts)
    {
        var builder = ImmutableArray.CreateBuilder<PathPart>();
        var literal = new StringBuilder();
        foreach (var part in parts)
        {
            if (part.Kind == PathPartKind.Literal)
            {
                literal.Append(part.Text);
                continue;
            }

            FlushLiteral(builder, literal, atStart: builder.Count == 0);
            builder.Add(part);
        }

        FlushLiteral(builder, literal, atStart: builder.Count == 0);
        return new PathText(builder.ToImmutable());
    }

    public PathText Concat(PathText other)
    {
        if (Parts.IsEmpty)
        {
            return other;
        }

        if (other.Parts.IsEmpty)
        {
            return this;
        }

        var parts = new List<PathPart>(Parts.Length + other.Parts.Length);
        parts.AddRange(Parts);
        parts.AddRange(other.Parts);
        return Create(parts);
    }

    /// <summary>True when every string this path stands for may be empty (only holes that may be empty).</summary>
    public bool MayBeEmpty
    {
        get
        {
            foreach (var part in Parts)
            {
                if (part.Kind != PathPartKind.AnyHole)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>True when the path is rooted on every platform: it starts with a separator.</summary>
    public bool IsCertainlyRooted => StartsWithSeparator;

    /// <summary>True when some value of the holes, or some platform (a drive letter on Windows), could make the path rooted.</summary>
    public bool MayBeRooted
    {
        get
        {
            if (Parts.IsEmpty)
            {
                return false;
            }

            if (Parts[0].Kind != PathPartKind.Literal)
            {
                return Parts[0].Kind == PathPartKind.AnyHole;
            }

            var text = Parts[0].Text;
            return text[0] == '/' || (text.Length >= 2 && text[1] == ':' && IsAsciiLetter(text[0]));
        }
    }

    /// <summary>True when the path certainly ends with a separator.</summary>
    public bool EndsWithSeparator
    {
        get
        {
            if (Parts.IsEmpty || Parts[Parts.Length - 1].Kind != PathPartKind.Literal)
            {
                return false;
            }

            var text = Parts[Parts.Length - 1].Text;
            return text.Length > 0 && text[text.Length - 1] == '/';
        }
    }

    /// <summary>True when the path certainly starts with a separator.</summary>
    public bool StartsWithSeparator => !Parts.IsEmpty && Parts[0].Kind == PathPartKind.Literal && Parts[0].Text.Length > 0 && Parts[0].Text[0] == '/';

    public int HoleCount
    {
        get
        {
            var count = 0;
            foreach (var part in Parts)
            {
                if (part.IsHole)
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>The path as characters, with holes as <see cref="SegmentHoleElement"/> or <see cref="AnyHoleElement"/>.</summary>
    public int[] ToElements()
    {
        var elements = new List<int>();
        foreach (var part in Parts)
        {
            switch (part.Kind)
            {
                case PathPartKind.Literal:
                    foreach (var c in part.Text)
                    {
                        elements.Add(c);
                    }

                    break;
                case PathPartKind.SegmentHole:
                    elements.Add(SegmentHoleElement);
                    break;
                default:
                    elements.Add(AnyHoleElement);
                    break;
            }
        }

        return elements.ToArray();
    }

    /// <summary>
    /// The file name (last segment) as elements. Text after the last literal separator is the file name, except that an
    /// <see cref="PathPartKind.AnyHole"/> in it may hold a separator: everything up to the last such hole is then some
    /// text without a separator, which a <see cref="SegmentHoleElement"/> stands for.
    /// </summary>
    public int[] ToFileNameElements()
    {
        var elements = ToElements();
        var start = 0;
        for (var i = elements.Length - 1; i >= 0; i--)
        {
            if (elements[i] == '/')
            {
                start = i + 1;
                break;
            }
        }

        var lastAny = -1;
        for (var i = start; i < elements.Length; i++)
        {
            if (elements[i] == AnyHoleElement)
            {
                lastAny = i;
            }
        }

        var result = new List<int>();
        if (lastAny >= 0)
        {
            result.Add(SegmentHoleElement);
            start = lastAny + 1;
        }

        for (var i = start; i < elements.Length; i++)
        {
            result.Add(elements[i]);
        }

        return result.ToArray();
    }

    /// <summary>The path as the user should read it: holes show the source text they come from, in braces.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var part in Parts)
        {
            if (part.Kind == PathPartKind.Literal)
            {
                text.Append(part.Text);
            }
            else
            {
                text.Append('{').Append(part.Text).Append('}');
            }
        }

        return text.ToString();
    }

    private static void FlushLiteral(ImmutableArray<PathPart>.Builder builder, StringBuilder literal, bool atStart)
    {
        if (literal.Length == 0)
        {
            return;
        }

        var text = Normalize(literal.ToString(), atStart);
        literal.Clear();
        if (text.Length == 0)
        {
            return;
        }

        // Two literals never sit side by side (they were merged), but a literal may follow a hole.
        builder.Add(new PathPart(PathPartKind.Literal, text));
    }

    private static string Normalize(string text, bool atStart)
    {
        var normalized = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var ch = c == '\\' ? '/' : c;
            if (ch == '/' && normalized.Length > 0 && normalized[normalized.Length - 1] == '/')
            {
                continue;
            }

            normalized.Append(ch);

            // "/./" is "/", and a leading "./" is nothing.
            var length = normalized.Length;
            if (ch == '/' && length >= 2 && normalized[length - 2] == '.'
                && ((length == 2 && atStart) || (length >= 3 && normalized[length - 3] == '/')))
            {
                normalized.Length -= 2;
            }
        }

        return normalized.ToString();
    }

    private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
