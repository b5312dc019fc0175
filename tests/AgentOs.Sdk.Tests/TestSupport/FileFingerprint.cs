using System.Security.Cryptography;

namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>
/// The SHA-256 of a database file and of its <c>-wal</c>, <c>-shm</c> and <c>-journal</c> companions (or their absence), to
/// prove that something only read the database: compare a fingerprint taken before with one taken after.
/// </summary>
public sealed record FileFingerprint(string Path, IReadOnlyDictionary<string, string?> Hashes)
{
    private static readonly string[] Suffixes = [string.Empty, "-wal", "-shm", "-journal"];

    public static FileFingerprint Take(string path) => new(
        path,
        Suffixes.ToDictionary(s => s, s => Hash(path + s)));

    /// <summary>Asserts that nothing changed: same bytes, and no companion file created or removed.</summary>
    /// <param name="sharedIndexMayChange">
    /// Accept new bytes in an existing <c>-shm</c> file: the WAL index that the connections of one process share. A reader
    /// in a process that already has the database open registers its snapshot there, as every reader does.
    /// </param>
    public void AssertUnchanged(bool sharedIndexMayChange = false)
    {
        var now = Take(Path);
        foreach (var (suffix, before) in Hashes)
        {
            if (sharedIndexMayChange && suffix == "-shm" && before is not null && now.Hashes[suffix] is not null)
            {
                continue;
            }

            var after = now.Hashes[suffix];
            Assert.True(
                before == after,
                $"'{Path}{suffix}' changed: {Describe(before)} before, {Describe(after)} after.");
        }
    }

    private static string Describe(string? hash) => hash is null ? "absent" : $"sha256 {hash}";

    private static string? Hash(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
