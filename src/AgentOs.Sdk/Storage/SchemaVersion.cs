using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AgentOs.Sdk.Storage;

/// <summary>
/// A schema version in the seed's <c>major.minor</c> notation, such as <c>0.24</c>.
/// Versions compare numerically (<c>0.9 &lt; 0.24</c>), never as text or by the time they were applied.
/// </summary>
/// <param name="Major">The major number.</param>
/// <param name="Minor">The minor number.</param>
public readonly record struct SchemaVersion(int Major, int Minor) : IComparable<SchemaVersion>
{
    /// <summary>Parses a version such as <c>0.24</c>.</summary>
    /// <exception cref="FormatException">The text is not two non-negative integers separated by a dot.</exception>
    public static SchemaVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version)
            ? version
            : throw new FormatException($"'{text}' is not a schema version: expected 'major.minor', for example '0.24'.");
    }

    /// <summary>Tries to parse a version such as <c>0.24</c>.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out SchemaVersion version)
    {
        version = default;
        if (text is null)
        {
            return false;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == text.Length - 1)
        {
            return false;
        }

        const NumberStyles Digits = NumberStyles.None;
        if (!int.TryParse(text.AsSpan(0, dot), Digits, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(text.AsSpan(dot + 1), Digits, CultureInfo.InvariantCulture, out var minor))
        {
            return false;
        }

        version = new SchemaVersion(major, minor);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(SchemaVersion other)
    {
        var major = Major.CompareTo(other.Major);
        return major != 0 ? major : Minor.CompareTo(other.Minor);
    }

    /// <summary>Whether <paramref name="left"/> is older than <paramref name="right"/>.</summary>
    public static bool operator <(SchemaVersion left, SchemaVersion right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is newer than <paramref name="right"/>.</summary>
    public static bool operator >(SchemaVersion left, SchemaVersion right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is older than or equal to <paramref name="right"/>.</summary>
    public static bool operator <=(SchemaVersion left, SchemaVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is newer than or equal to <paramref name="right"/>.</summary>
    public static bool operator >=(SchemaVersion left, SchemaVersion right) => left.CompareTo(right) >= 0;

    /// <summary>The version as <c>major.minor</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
