using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AgentOs.Sdk.Idempotency;

/// <summary>
/// The identity of an operation that must run at most once: a kind and the SHA-256 of its parts, each length-prefixed,
/// so that no two different lists of parts produce the same key (("a:b", "c") and ("a", "b:c") differ).
/// </summary>
/// <remarks>
/// The hash covers, in order: the UTF-8 byte length (4 bytes, big-endian) and bytes of the kind, the number of parts,
/// then the length and bytes of each part. The format is fixed: stored keys stay valid across versions.
/// </remarks>
public sealed record IdempotencyKey
{
    private IdempotencyKey(string kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>What kind of operation this is (for example <c>llm</c> or <c>tool</c>); part of the hash.</summary>
    public string Kind { get; }

    /// <summary>The key as stored: 64 lowercase hexadecimal characters.</summary>
    public string Value { get; }

    /// <summary>Builds the key of an operation of <paramref name="kind"/> described by <paramref name="parts"/>.</summary>
    /// <param name="kind">What kind of operation this is; not empty.</param>
    /// <param name="parts">Everything that makes the operation different from another (empty strings allowed, null not).</param>
    /// <exception cref="ArgumentException">The kind is empty, or a part is null (named by its index).</exception>
    public static IdempotencyKey From(string kind, params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return From(kind, (ReadOnlySpan<string>)parts);
    }

    /// <summary>Builds the key of an operation of <paramref name="kind"/> described by <paramref name="parts"/>; see <see cref="From(string, string[])"/>.</summary>
    public static IdempotencyKey From(string kind, params ReadOnlySpan<string> parts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var length = 4 + Encoding.UTF8.GetByteCount(kind) + 4;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] is null)
            {
                throw new ArgumentException($"Part #{i} of the '{kind}' idempotency key is null; use an empty string for an empty value.", nameof(parts));
            }

            length += 4 + Encoding.UTF8.GetByteCount(parts[i]);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = WritePrefixed(buffer, 0, kind);
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(written), parts.Length);
            written += 4;
            foreach (var part in parts)
            {
                written = WritePrefixed(buffer, written, part);
            }

            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, written), hash);
            return new IdempotencyKey(kind, Convert.ToHexStringLower(hash));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The kind and the hash, as <c>kind:hash</c>.</summary>
    public override string ToString() => $"{Kind}:{Value}";

    private static int WritePrefixed(byte[] buffer, int offset, string text)
    {
        var count = Encoding.UTF8.GetBytes(text, buffer.AsSpan(offset + 4));
        BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset), count);
        return offset + 4 + count;
    }
}
