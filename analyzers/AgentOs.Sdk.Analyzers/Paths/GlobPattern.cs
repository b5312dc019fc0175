using System.Collections.Generic;
using System.Text;

namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>
/// A path glob, matched like a .gitignore pattern: <c>*</c> is any text within one folder name, <c>**</c> any number of
/// folders, <c>?</c> one character, <c>[a-z]</c> a character class, <c>{a,b}</c> alternatives. A pattern without '/'
/// matches the file name in any folder; a pattern with '/' matches the whole path (start it with <c>**/</c> to match
/// in any folder). Backslashes count as '/'. Matching is ordinal (case-sensitive).
/// </summary>
/// <remarks>
/// Paths may hold holes (parts the analyzer cannot work out). <see cref="MatchesEveryValue"/> answers whether the glob
/// matches whatever the holes hold: a hole must fall entirely inside a wildcard that accepts any text it may hold
/// (<c>**</c> for any hole, <c>*</c> also for a hole that never holds a separator). That rule never claims a match that
/// some value would break, at the price of missing a few matches that need reasoning across holes.
/// </remarks>
internal sealed class GlobPattern
{
    private const int MaxExpansions = 64;

    private readonly List<Element[]> _alternatives;

    private GlobPattern(string text, bool matchesFileName, List<Element[]> alternatives)
    {
        Text = text;
        MatchesFileName = matchesFileName;
        _alternatives = alternatives;
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True when the pattern has no '/' and so matches the file name only.</summary>
    public bool MatchesFileName { get; }

    /// <summary>Parses a pattern; returns null for an empty pattern or one that expands into too many alternatives.</summary>
    public static GlobPattern? Parse(string pattern)
    {
        var text = pattern.Trim().Replace('\\', '/');
        while (text.StartsWith("./", System.StringComparison.Ordinal))
        {
            text = text.Substring(2);
        }

        if (text.Length == 0)
        {
            return null;
        }

        var matchesFileName = text.IndexOf('/') < 0;
        var anchored = text.TrimStart('/');
        var alternatives = new List<Element[]>();
        foreach (var expanded in ExpandBraces(anchored))
        {
            foreach (var compiled in Compile(expanded))
            {
                alternatives.Add(compiled);
                if (alternatives.Count > MaxExpansions)
                {
                    return null;
                }
            }
        }

        return new GlobPattern(pattern.Trim(), matchesFileName, alternatives);
    }

    /// <summary>True when the glob matches every string the path stands for.</summary>
    public bool MatchesEveryValue(PathText path)
    {
        var elements = MatchesFileName ? path.ToFileNameElements() : TrimLeadingSeparators(path.ToElements());
        foreach (var alternative in _alternatives)
        {
            if (new Matcher(alternative, elements).Run())
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Convenience for a plain string (no holes).</summary>
    public bool IsMatch(string path) => MatchesEveryValue(PathText.Literal(path));

    public override string ToString() => Text;

    private static int[] TrimLeadingSeparators(int[] elements)
    {
        var start = 0;
        while (start < elements.Length && elements[start] == '/')
        {
            start++;
        }

        if (start == 0)
        {
            return elements;
        }

        var trimmed = new int[elements.Length - start];
        System.Array.Copy(elements, start, trimmed, 0, trimmed.Length);
        return trimmed;
    }

    private static List<string> ExpandBraces(string pattern)
    {
        var results = new List<string>();
        ExpandBraces(pattern, results);
        return results;
    }

    private static void ExpandBraces(string pattern, List<string> results)
    {
        if (results.Count > MaxExpansions)
        {
            return;
        }

        var open = pattern.IndexOf('{');
        if (open < 0)
        {
            results.Add(pattern);
            return;
        }

        // Find the matching '}' and the top-level commas between them.
        var depth = 0;
        var commas = new List<int>();
        var close = -1;
        for (var i = open; i < pattern.Length && close < 0; i++)
        {
            switch (pattern[i])
            {
                case '{':
                    depth++;
                    break;
                case '}':
                    depth--;
                    if (depth == 0)
                    {
                        close = i;
                    }

                    break;
                case ',' when depth == 1:
                    commas.Add(i);
                    break;
            }
        }

        if (close < 0)
        {
            // An unbalanced brace is literal text.
            results.Add(pattern);
            return;
        }

        var prefix = pattern.Substring(0, open);
        var suffix = pattern.Substring(close + 1);
        var start = open + 1;
        commas.Add(close);
        foreach (var end in commas)
        {
            ExpandBraces(prefix + pattern.Substring(start, end - start) + suffix, results);
            start = end + 1;
        }
    }

    private static List<Element[]> Compile(string pattern)
    {
        var results = new List<List<Element>> { new() };
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*' && (i == 0 || pattern[i - 1] == '/'))
            {
                var next = i + 2;
                if (next == pattern.Length)
                {
                    AppendAll(results, Element.DoubleStar);
                    i = next;
                    continue;
                }

                if (pattern[next] == '/')
                {
                    // "**/" is zero or more folders: either nothing, or any text followed by '/'.
                    var withFolders = new List<List<Element>>();
                    foreach (var result in results)
                    {
                        var copy = new List<Element>(result) { Element.DoubleStar, Element.Char('/') };
                        withFolders.Add(copy);
                    }

                    results.AddRange(withFolders);
                    if (results.Count > MaxExpansions)
                    {
                        break;
                    }

                    i = next + 1;
                    continue;
                }

                // "**" inside a folder name is a plain '*'.
                AppendAll(results, Element.Star);
                i = next;
                continue;
            }

            switch (c)
            {
                case '*':
                    AppendAll(results, Element.Star);
                    while (i + 1 < pattern.Length && pattern[i + 1] == '*')
                    {
                        i++;
                    }

                    i++;
                    break;
                case '?':
                    AppendAll(results, Element.AnyChar);
                    i++;
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 2);
                    if (end < 0)
                    {
                        AppendAll(results, Element.Char('['));
                        i++;
                    }
                    else
                    {
                        AppendAll(results, Element.Class(pattern.Substring(i + 1, end - i - 1)));
                        i = end + 1;
                    }

                    break;
                default:
                    AppendAll(results, Element.Char(c));
                    i++;
                    break;
            }
        }

        var compiled = new List<Element[]>(results.Count);
        foreach (var result in results)
        {
            compiled.Add(result.ToArray());
        }

        return compiled;
    }

    private static void AppendAll(List<List<Element>> results, Element element)
    {
        foreach (var result in results)
        {
            result.Add(element);
        }
    }

    private enum ElementKind
    {
        Char,
        AnyChar,
        Class,
        Star,
        DoubleStar,
    }

    private sealed class Element
    {
        private Element(ElementKind kind, char value, string? set, bool negated)
        {
            Kind = kind;
            Value = value;
            Set = set;
            Negated = negated;
        }

        public static Element Star => new(ElementKind.Star, '\0', null, false);

        public static Element DoubleStar => new(ElementKind.DoubleStar, '\0', null, false);

        public static Element AnyChar => new(ElementKind.AnyChar, '\0', null, false);

        public ElementKind Kind { get; }

        public char Value { get; }

        public string? Set { get; }

        public bool Negated { get; }

        public static Element Char(char c) => new(ElementKind.Char, c, null, false);

        public static Element Class(string body)
        {
            var negated = body.Length > 0 && (body[0] == '!' || body[0] == '^');
            return new Element(ElementKind.Class, '\0', negated ? body.Substring(1) : body, negated);
        }

        public bool ClassContains(char c)
        {
            var set = Set ?? string.Empty;
            var found = false;
            for (var i = 0; i < set.Length && !found; i++)
            {
                if (i + 2 < set.Length && set[i + 1] == '-')
                {
                    found = c >= set[i] && c <= set[i + 2];
                    i += 2;
                }
                else
                {
                    found = c == set[i];
                }
            }

            return found != Negated;
        }

        public override string ToString() => Kind switch
        {
            ElementKind.Char => Value.ToString(),
            ElementKind.Class => "[" + (Negated ? "!" : string.Empty) + Set + "]",
            ElementKind.Star => "*",
            ElementKind.DoubleStar => "**",
            _ => "?",
        };
    }

    /// <summary>Memoized "glob[i..] matches path[j..] for every value of the holes".</summary>
    private sealed class Matcher
    {
        private readonly Element[] _glob;
        private readonly int[] _path;
        private readonly sbyte[] _memo;

        public Matcher(Element[] glob, int[] path)
        {
            _glob = glob;
            _path = path;
            _memo = new sbyte[(glob.Length + 1) * (path.Length + 1)];
        }

        public bool Run() => Match(0, 0);

        private bool Match(int i, int j)
        {
            var index = (i * (_path.Length + 1)) + j;
            if (_memo[index] != 0)
            {
                return _memo[index] > 0;
            }

            var result = Compute(i, j);
            _memo[index] = result ? (sbyte)1 : (sbyte)-1;
            return result;
        }

        private bool Compute(int i, int j)
        {
            if (i == _glob.Length)
            {
                return j == _path.Length;
            }

            var element = _glob[i];
            var hasNext = j < _path.Length;
            var next = hasNext ? _path[j] : 0;
            var isChar = hasNext && next >= 0;
            switch (element.Kind)
            {
                case ElementKind.Char:
                    return isChar && next == element.Value && Match(i + 1, j + 1);
                case ElementKind.AnyChar:
                    return isChar && next != '/' && Match(i + 1, j + 1);
                case ElementKind.Class:
                    return isChar && next != '/' && element.ClassContains((char)next) && Match(i + 1, j + 1);
                case ElementKind.Star:
                    return Match(i + 1, j)
                        || (hasNext && ((isChar && next != '/') || next == PathText.SegmentHoleElement) && Match(i, j + 1));
                default:
                    return Match(i + 1, j) || (hasNext && Match(i, j + 1));
            }
        }
    }
}
