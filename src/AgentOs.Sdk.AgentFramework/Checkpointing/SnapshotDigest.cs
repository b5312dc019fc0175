using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentOs.Sdk.AgentFramework;

/// <summary>
/// The SHA-256 of a workflow snapshot in its compact JSON form (as <see cref="Utf8JsonWriter"/> writes it): computed when a
/// checkpoint is written, stored as its evidence, and computed again from the stored snapshot on every read.
/// </summary>
internal static class SnapshotDigest
{
    public static (string Sha256, int Length) Of(JsonElement snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            snapshot.WriteTo(writer);
        }

        return (Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan)), buffer.WrittenCount);
    }
}
