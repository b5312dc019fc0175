using System.Buffers;
using System.Security.Cryptography;
using AgentOs.Sdk.IO.Internal;
using Microsoft.Win32.SafeHandles;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    /// <summary>Read size when hashing a file: large reads keep the SHA-256 instructions busy.</summary>
    private const int HashReadSize = 1024 * 1024;

    /// <summary>
    /// Checks that <paramref name="path"/> exists and is exactly the content its <c>.ok</c> marker describes
    /// (same path, size and SHA-256). Never throws: every problem is an invalid result whose
    /// <see cref="AtomicVerifyResult.Error"/> names the path and the reason.
    /// </summary>
    /// <param name="path">The file to check.</param>
    /// <param name="requireOkMarker">
    /// When <see langword="true"/> (the default) a missing marker makes the file invalid. When <see langword="false"/>
    /// a missing marker is accepted (the file need only exist), but a marker that exists is still checked.
    /// </param>
    /// <returns>The outcome; deconstructs as <c>var (isValid, error) = AtomicFile.Verify(path);</c>.</returns>
    public static AtomicVerifyResult Verify(string path, bool requireOkMarker = true)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return AtomicVerifyResult.Invalid(path ?? "", "The path is empty.");
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return AtomicVerifyResult.Invalid(path, $"The path '{path}' is not valid: {e.Message}");
        }

        try
        {
            return VerifyCore(fullPath, requireOkMarker);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return AtomicVerifyResult.Invalid(fullPath, $"'{fullPath}' could not be verified: {e.Message}");
        }
    }

    private static AtomicVerifyResult VerifyCore(string fullPath, bool requireOkMarker)
    {
        if (Directory.Exists(fullPath))
        {
            return AtomicVerifyResult.Invalid(fullPath, $"'{fullPath}' is a directory, not a file.");
        }

        string markerPath = fullPath + OkMarkerSuffix;
        SafeFileHandle? file = null;
        byte[]? markerBytes = null;
        string? problem = null;

        // Open the file and read the marker under the shared directory lock: writers swap the pair under the exclusive
        // lock, so both come from one write. The open handle keeps the bytes it opened even if a writer replaces the
        // file afterwards (writers never modify a file in place), so hashing can happen outside the lock.
        using (DirectoryHandle? directory = DirectoryHandle.TryOpen(Path.GetDirectoryName(fullPath)!))
        using (directory?.LockShared())
        {
            try
            {
                file = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return AtomicVerifyResult.Invalid(fullPath, $"'{fullPath}' does not exist.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return AtomicVerifyResult.Invalid(fullPath, $"'{fullPath}' cannot be read: {e.Message}");
            }

            try
            {
                markerBytes = File.ReadAllBytes(markerPath);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                markerBytes = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problem = $"The .ok marker '{markerPath}' of '{fullPath}' cannot be read: {e.Message}";
            }
        }

        using (file)
        {
            long length = RandomAccess.GetLength(file);
            if (problem is not null)
            {
                return AtomicVerifyResult.Invalid(fullPath, problem, length);
            }

            if (markerBytes is null)
            {
                return requireOkMarker
                    ? AtomicVerifyResult.Invalid(fullPath, $"'{fullPath}' has no .ok marker: '{markerPath}' does not exist.", length)
                    : AtomicVerifyResult.Valid(fullPath, sha256: null, length);
            }

            if (!OkMarker.TryParse(markerBytes, out OkMarker? marker, out string? markerProblem))
            {
                return AtomicVerifyResult.Invalid(fullPath, $"The .ok marker '{markerPath}' of '{fullPath}' {markerProblem}", length);
            }

            if (!string.Equals(marker.Path, fullPath, StringComparison.Ordinal))
            {
                return AtomicVerifyResult.Invalid(fullPath, $"The .ok marker '{markerPath}' describes '{marker.Path}', not '{fullPath}'.", length);
            }

            if (length != marker.Size)
            {
                return AtomicVerifyResult.Invalid(fullPath, $"'{fullPath}' is {length} bytes but its .ok marker says {marker.Size}.", length);
            }

            string actual = HashFile(file, length);
            if (!string.Equals(actual, marker.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                return AtomicVerifyResult.Invalid(fullPath, $"The SHA-256 of '{fullPath}' is {actual} but its .ok marker says {marker.Sha256}.", length);
            }

            return AtomicVerifyResult.Valid(fullPath, actual, length);
        }
    }

    /// <summary>SHA-256 (lowercase hex) of the first <paramref name="length"/> bytes of an open file.</summary>
    internal static string HashFile(SafeFileHandle file, long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(HashReadSize, Math.Max(length, 1)));
        try
        {
            long offset = 0;
            while (true)
            {
                int read = RandomAccess.Read(file, buffer, offset);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
