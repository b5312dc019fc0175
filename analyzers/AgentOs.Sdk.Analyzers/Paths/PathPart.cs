namespace AgentOs.Sdk.Analyzers.Paths;

/// <summary>What a piece of a path is known to hold.</summary>
internal enum PathPartKind
{
    /// <summary>Exact text.</summary>
    Literal,

    /// <summary>Unknown but non-empty text that never holds a directory separator (a number, a Guid, an enum name).</summary>
    SegmentHole,

    /// <summary>Unknown text: anything, including separators, an empty string or a rooted path.</summary>
    AnyHole,
}

/// <summary>One piece of a path: exact text, or a hole whose value the analyzer cannot work out.</summary>
internal sealed class PathPart
{
    public PathPart(PathPartKind kind, string text)
    {
        Kind = kind;
        Text = text;
    }

    public PathPartKind Kind { get; }

    /// <summary>The literal text, or for a hole the source text shown to the user.</summary>
    public string Text { get; }

    public bool IsHole => Kind != PathPartKind.Literal;
}
