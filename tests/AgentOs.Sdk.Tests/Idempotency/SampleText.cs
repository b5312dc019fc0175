using System.Text;

namespace AgentOs.Sdk.Tests.Idempotency;

/// <summary>Long text with quotes, tabs, non-ASCII letters and emoji, for outputs that must be stored and replayed whole.</summary>
internal static class SampleText
{
    public static string Long(int length)
    {
        var builder = new StringBuilder(length);
        var i = 0;
        while (builder.Length < length)
        {
            builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"line {i++}: \"quoted\", tab\t, ünïcødé ✓, emoji 🚀\n");
        }

        return builder.ToString(0, length - 1) + "!";
    }
}
