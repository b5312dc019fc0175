using System.Buffers.Binary;

namespace AgentOs.Sdk.Health.Internal;

/// <summary>The fields of a SQLite database header (the file's first 100 bytes) that the health check reads.</summary>
/// <param name="PageSize">The page size in bytes.</param>
/// <param name="WriteVersion">The file format write version: 1 for a rollback journal, 2 for WAL.</param>
/// <param name="ReadVersion">The file format read version: 1 for a rollback journal, 2 for WAL.</param>
internal readonly record struct SqliteFileHeader(int PageSize, byte WriteVersion, byte ReadVersion)
{
    public const int Length = 100;

    /// <summary>Whether the header says WAL: this is where SQLite persists <c>journal_mode=WAL</c>, and what every connection obeys.</summary>
    public bool IsWal => WriteVersion == 2 && ReadVersion == 2;

    private static ReadOnlySpan<byte> Magic => "SQLite format 3\0"u8;

    /// <summary>Parses a header; false when the bytes do not start with the SQLite magic string or are too short.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out SqliteFileHeader header)
    {
        header = default;
        if (bytes.Length < Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            return false;
        }

        // Offsets from the SQLite file format: page size at 16 (big-endian; 1 means 65536), format versions at 18 and 19.
        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(bytes[16..]);
        header = new SqliteFileHeader(pageSize == 1 ? 65536 : pageSize, bytes[18], bytes[19]);
        return true;
    }
}
