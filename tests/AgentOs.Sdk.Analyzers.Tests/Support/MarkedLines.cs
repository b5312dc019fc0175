using Microsoft.CodeAnalysis.Text;

namespace AgentOs.Sdk.Analyzers.Tests.Support;

/// <summary>Checks a syntax prefilter against the lines of a snippet that end in <c>// keep</c> or <c>// drop</c>.</summary>
internal static class MarkedLines
{
    /// <summary>
    /// Asserts, for every marked line of <paramref name="text"/>, that <paramref name="kept"/> says what its mark says.
    /// </summary>
    /// <returns>How many lines were marked, for the caller to pin (a snippet that lost its marks checks nothing).</returns>
    public static int AssertKeepOrDrop(SourceText text, Func<TextLine, bool> kept)
    {
        var checkedLines = 0;
        foreach (var line in text.Lines)
        {
            var content = line.ToString().TrimEnd();
            var expectKeep = content.EndsWith("// keep", StringComparison.Ordinal);
            if (!expectKeep && !content.EndsWith("// drop", StringComparison.Ordinal))
            {
                continue;
            }

            var actual = kept(line);
            Assert.True(actual == expectKeep, $"line {line.LineNumber + 1} was {(actual ? "kept" : "dropped")}: {content.Trim()}");
            checkedLines++;
        }

        return checkedLines;
    }
}
