using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentOs.Sdk.AgentFramework;

/// <summary>
/// The SHA-256 of a workflow snapshot: computed when a checkpoint is written, stored as its evidence, and computed again
/// from the stored snapshot on every read.
/// </summary>
/// <remarks>
/// Checkpoints are written with the digest of the snapshot's JSON text exactly as given, which is the text the checkpoint
/// stores (<see cref="RawForm"/>): hashing it needs no second serialisation, and a read compares the stored bytes
/// themselves. Checkpoints written before carry the digest of the snapshot's compact form (<see cref="Utf8JsonWriter"/>
/// output, no <c>form</c> in the evidence) and are still verified that way.
/// </remarks>
internal static class SnapshotDigest
{
    /// <summary>The evidence's <c>form</c> for a digest of the JSON text exactly as stored (UTF-8).</summary>
    public const string RawForm = "raw_utf8";

    /// <summary>The digest of the snapshot's JSON text as it is (the text a checkpoint stores), and its length in UTF-8 bytes.</summary>
    public static (string Sha256, int Length) OfRaw(JsonElement snapshot)
    {
        // The element's own UTF-8 bytes: no copy, no serialisation.
        var raw = JsonMarshal.GetRawUtf8Value(snapshot);
        return (Hex(raw), raw.Length);
    }

    /// <summary>The digest of the snapshot's compact form, as checkpoints written before <see cref="RawForm"/> recorded it.</summary>
    public static (string Sha256, int Length) OfCompact(JsonElement snapshot)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            snapshot.WriteTo(writer);
        }

        return (Hex(buffer.WrittenSpan), buffer.WrittenCount);
    }

    private static string Hex(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        return Convert.ToHexStringLower(hash);
    }
}
