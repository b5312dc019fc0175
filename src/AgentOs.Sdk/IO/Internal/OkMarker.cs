using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// The content of a <c>&lt;path&gt;.ok</c> marker: which file it vouches for, and that file's size and SHA-256 at the
/// moment it was written. Keys and meaning as in the seed: <c>{"sha256": ..., "size": ..., "timestamp": ..., "path": ...}</c>.
/// </summary>
internal sealed class OkMarker
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>SHA-256 of the file's bytes, 64 lowercase hex digits.</summary>
    [JsonPropertyName("sha256")]
    [JsonRequired]
    public string Sha256 { get; set; } = "";

    /// <summary>The file's length in bytes.</summary>
    [JsonPropertyName("size")]
    [JsonRequired]
    public long Size { get; set; }

    /// <summary>When the write happened, UTC, written as ISO 8601 with a <c>Z</c>.</summary>
    [JsonPropertyName("timestamp")]
    [JsonRequired]
    [JsonConverter(typeof(UtcTimestampConverter))]
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>The full path of the file the marker describes; a marker copied beside another file does not vouch for it.</summary>
    [JsonPropertyName("path")]
    [JsonRequired]
    public string Path { get; set; } = "";

    /// <summary>The marker as UTF-8 JSON on one line, with a trailing newline.</summary>
    public byte[] ToUtf8Json()
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(this, OkMarkerJsonContext.Default.OkMarker);
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>
    /// Parses a marker. On failure, <paramref name="problem"/> completes the sentence "The .ok marker '...' ..."
    /// (for example "is empty.").
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, [NotNullWhen(true)] out OkMarker? marker, [NotNullWhen(false)] out string? problem)
    {
        marker = null;
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            problem = "is empty.";
            return false;
        }

        OkMarker? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(json, OkMarkerJsonContext.Default.OkMarker);
        }
        catch (JsonException e)
        {
            problem = $"is not a valid marker: {e.Message}";
            return false;
        }

        if (parsed is null)
        {
            problem = "is not a JSON object.";
            return false;
        }

        if (parsed.Sha256.Length != 64 || parsed.Sha256.AsSpan().ContainsAnyExcept(HexDigits))
        {
            problem = $"has a 'sha256' that is not 64 hex digits: '{parsed.Sha256}'.";
            return false;
        }

        if (parsed.Size < 0)
        {
            problem = $"has a negative 'size': {parsed.Size}.";
            return false;
        }

        if (parsed.Path.Length == 0)
        {
            problem = "has an empty 'path'.";
            return false;
        }

        marker = parsed;
        problem = null;
        return true;
    }
}
