using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// Names of the temp files a writer creates beside its target:
/// data <c>.&lt;name&gt;.&lt;token&gt;.tmp</c> and marker <c>.&lt;name&gt;.&lt;token&gt;.ok.tmp</c>,
/// where the token is 16 random hex digits shared by one write's pair.
/// The leading dot hides them from listings; the token makes two writers' names differ (and <see cref="FileMode.CreateNew"/>
/// makes sure of it); the fixed shape lets <c>AtomicFile.Recover</c> recognise them and nothing else.
/// A data temp always ends in <c>.&lt;16 hex&gt;.tmp</c> and a marker temp in <c>.&lt;16 hex&gt;.ok.tmp</c>, so the two never overlap.
/// </summary>
internal static partial class TempFileName
{
    /// <summary>Longest target name, in UTF-8 bytes, copied into a temp name (NAME_MAX is 255 bytes; the rest is the token and suffix).</summary>
    private const int MaxEmbeddedNameBytes = 200;

    /// <summary>16 random lowercase hex digits.</summary>
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string ForData(string targetName, string token) => $".{Embed(targetName)}.{token}.tmp";

    public static string ForMarker(string targetName, string token) => $".{Embed(targetName)}.{token}.ok.tmp";

    /// <summary>Recognises a temp file name; gives the (possibly shortened) target name it was made for and its kind.</summary>
    public static bool TryParse(string fileName, [NotNullWhen(true)] out string? targetName, out bool isMarker)
    {
        Match match = Pattern().Match(fileName);
        if (!match.Success)
        {
            targetName = null;
            isMarker = false;
            return false;
        }

        targetName = match.Groups["name"].Value;
        isMarker = match.Groups["marker"].Success;
        return true;
    }

    /// <summary>The target name, shortened at a character boundary when it would make the temp name too long for the file system.</summary>
    private static string Embed(string targetName)
    {
        if (Encoding.UTF8.GetByteCount(targetName) <= MaxEmbeddedNameBytes)
        {
            return targetName;
        }

        var builder = new StringBuilder();
        int bytes = 0;
        foreach (Rune rune in targetName.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > MaxEmbeddedNameBytes)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.[0-9a-f]{16}(?<marker>\.ok)?\.tmp$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Pattern();
}
