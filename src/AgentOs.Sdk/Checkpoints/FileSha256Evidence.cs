using System.Text.Json.Serialization;
using AgentOs.Sdk.IO;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Evidence that a file written with <c>AtomicFile</c> is intact: its <c>.ok</c> marker exists and matches the file's
/// content (checked with <c>AtomicFile.Verify</c>), and, when <see cref="Sha256"/> is given, the marker records that
/// exact hash, so a file replaced later by another intact write does not pass as the one the step produced.
/// </summary>
/// <remarks>A relative path is resolved against <see cref="CheckpointManagerOptions.BaseDirectory"/>.</remarks>
public sealed record FileSha256Evidence : Evidence
{
    /// <summary>Creates the evidence.</summary>
    /// <param name="path">The file's path, absolute or relative to the manager's base directory.</param>
    /// <param name="sha256">The SHA-256 the step wrote, as 64 hex digits (any case); null to accept any intact content.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="sha256"/> is not 64 hex digits.</exception>
    public FileSha256Evidence(string path, string? sha256 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (sha256 is not null && (sha256.Length != 64 || !IsHex(sha256)))
        {
            throw new ArgumentException($"The expected SHA-256 for '{path}' must be 64 hex digits, got '{sha256}'.", nameof(sha256));
        }

        Path = path;
        Sha256 = sha256?.ToLowerInvariant();
    }

    /// <summary>Evidence for a file written with <c>AtomicFile</c>: its path and the SHA-256 the write recorded.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="write"/> is null.</exception>
    public static FileSha256Evidence FromWrite(AtomicWriteResult write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return new FileSha256Evidence(write.Path, write.Sha256);
    }

    /// <summary>The file's path, as given.</summary>
    public string Path { get; }

    /// <summary>The expected SHA-256 in lowercase hex, or null when any intact content is accepted.</summary>
    public string? Sha256 { get; }

    /// <inheritdoc />
    [JsonIgnore]
    public override EvidenceType Type => EvidenceType.FileSha256;

    /// <inheritdoc />
    public override string Describe() => $"file_sha256 '{Path}'";

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
