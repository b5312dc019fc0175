using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// Writes a timestamp as ISO 8601 UTC with a <c>Z</c> (<c>2025-01-31T12:00:00.1234567Z</c>); reads any ISO 8601 form,
/// taking one without an offset as UTC (as the Python peer writes them).
/// </summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("'timestamp' is not a string.");
        }

        string? text = reader.GetString();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset value))
        {
            throw new JsonException($"'timestamp' is not an ISO 8601 date and time: '{text}'.");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
}
