using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    /// <summary>A marker temp larger than this is not one of ours (a real marker is a few hundred bytes).</summary>
    private const int MaxMarkerBytes = 64 * 1024;

    /// <summary>
    /// Cleans up after writers that died (kill -9, power cut) in <paramref name="directory"/>: finishes a write whose
    /// content was already in place but whose marker rename was missing (roll forward), discards every other unfinished
    /// write (roll back), and deletes their temp files. Temp files of writers still running are left alone, so it is
    /// safe to call at any time, typically at start-up. Afterwards <see cref="Verify"/> is valid for whichever whole
    /// content each file has, and Recover never makes valid any bytes a marker does not describe.
    /// </summary>
    /// <param name="directory">The directory to recover (not its subdirectories).</param>
    /// <returns>What was completed, rolled back, deleted and left alone.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is empty or is a file.</exception>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    /// <exception cref="IOException">A temp file could not be examined, renamed or deleted (the message names it).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied (the message names the path).</exception>
    public static AtomicRecoveryResult Recover(string directory) => Recover(directory, SearchOption.TopDirectoryOnly);

    /// <inheritdoc cref="Recover(string)"/>
    /// <param name="directory">The directory to recover.</param>
    /// <param name="searchOption"><see cref="SearchOption.AllDirectories"/> also recovers every subdirectory (symbolic links are not followed).</param>
    public static AtomicRecoveryResult Recover(string directory, SearchOption searchOption)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new ArgumentException("The directory path is empty.", nameof(directory));
        }

        string fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (File.Exists(fullPath))
        {
            throw new ArgumentException($"The path '{fullPath}' is a file, not a directory.", nameof(directory));
        }

        if (!Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"Cannot recover '{fullPath}': the directory does not exist.");
        }

        var log = new RecoveryLog();
        RecoverDirectory(fullPath, log);
        if (searchOption == SearchOption.AllDirectories)
        {
            var walk = new EnumerationOptions
            {
                RecurseSubdirectories = true,
                AttributesToSkip = FileAttributes.ReparsePoint,
                IgnoreInaccessible = false,
            };
            foreach (string subdirectory in Directory.EnumerateDirectories(fullPath, "*", walk))
            {
                RecoverDirectory(subdirectory, log);
            }
        }

        var result = log.ToResult(fullPath);
        Diagnostics.AgentOsTelemetry.Default.OnFilesRecovered(result);
        return result;
    }

    private static void RecoverDirectory(string directory, RecoveryLog log)
    {
        using DirectoryHandle handle = DirectoryHandle.Open(directory);
        int changesBefore = log.Changes;

        // Hold the directory lock exclusively: no writer can create a temp file or rename a pair while Recover decides
        // what is orphaned, and no writer's pair can interleave with a rename Recover makes.
        using (handle.LockExclusive())
        {
            // Temp files are hidden (dot) files: list them explicitly, the default options would skip them.
            var listing = new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false, IgnoreInaccessible = false };
            var markers = new List<(string Temp, string Target)>();
            var data = new List<(string Temp, string Target)>();
            foreach (string temp in Directory.EnumerateFiles(directory, ".*.tmp", listing))
            {
                if (TempFileName.TryParse(Path.GetFileName(temp), out string? targetName, out bool isMarker))
                {
                    (isMarker ? markers : data).Add((temp, Path.Combine(directory, targetName)));
                }
            }

            // Marker temps first: a marker rename interrupted after its data rename is the common crash to roll forward.
            foreach ((string temp, string target) in markers)
            {
                RecoverMarkerTemp(temp, target, log);
            }

            foreach ((string temp, string target) in data)
            {
                RecoverDataTemp(temp, target, log);
            }
        }

        if (log.Changes != changesBefore)
        {
            // Make the renames and deletions durable before reporting them.
            handle.Flush();
        }
    }

    /// <summary>
    /// A marker temp of a dead writer: install it if it describes exactly the bytes now at its target (the writer died
    /// between its two renames), otherwise delete it.
    /// </summary>
    private static void RecoverMarkerTemp(string temp, string target, RecoveryLog log)
    {
        using FileStream? stream = OpenOrphan(temp, log);
        if (stream is null)
        {
            return;
        }

        OkMarker? marker = null;
        if (stream.Length <= MaxMarkerBytes)
        {
            byte[] bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            _ = OkMarker.TryParse(bytes, out marker, out _);
        }

        // Trust the path inside the marker only for a file in this directory (the temp name may hold a shortened name).
        if (marker is not null
            && string.Equals(Path.GetDirectoryName(marker.Path), Path.GetDirectoryName(target), StringComparison.Ordinal)
            && DescribesFile(marker, marker.Path))
        {
            Move(temp, marker.Path + OkMarkerSuffix);
            log.Complete(marker.Path);
            return;
        }

        Delete(temp);
        log.RollBack(target, temp);
    }

    /// <summary>
    /// A data temp of a dead writer: normally its write never took effect and it is deleted. If instead the marker on
    /// disk already describes this temp's bytes while the target does not hold them (a file system that made the marker
    /// rename durable but not the data rename), rename it into place.
    /// </summary>
    private static void RecoverDataTemp(string temp, string target, RecoveryLog log)
    {
        using FileStream? stream = OpenOrphan(temp, log);
        if (stream is null)
        {
            return;
        }

        OkMarker? marker = ReadMarker(target + OkMarkerSuffix);
        if (marker is not null
            && string.Equals(marker.Path, target, StringComparison.Ordinal)
            && marker.Size == stream.Length
            && !DescribesFile(marker, target)
            && string.Equals(HashFile(stream.SafeFileHandle, stream.Length), marker.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            Move(temp, target);
            log.Complete(target);
            return;
        }

        Delete(temp);
        log.RollBack(target, temp);
    }

    /// <summary>Opens a temp file and takes its lock; null (and noted) when a live writer holds it, or when it is gone.</summary>
    private static FileStream? OpenOrphan(string temp, RecoveryLog log)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException) when (File.Exists(temp))
        {
            // .NET's own shared flock failed: a writer holds it exclusively, so it is alive.
            log.Skip(temp);
            return null;
        }

        if (!TempFileLock.TryTakeOver(stream.SafeFileHandle, temp))
        {
            stream.Dispose();
            log.Skip(temp);
            return null;
        }

        return stream;
    }

    /// <summary>Whether <paramref name="path"/> exists and holds exactly the bytes <paramref name="marker"/> describes.</summary>
    private static bool DescribesFile(OkMarker marker, string path)
    {
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = RandomAccess.GetLength(file);
            return length == marker.Size
                && string.Equals(HashFile(file, length), marker.Sha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static OkMarker? ReadMarker(string markerPath)
    {
        try
        {
            var info = new FileInfo(markerPath);
            if (!info.Exists || info.Length > MaxMarkerBytes)
            {
                return null;
            }

            return OkMarker.TryParse(File.ReadAllBytes(markerPath), out OkMarker? marker, out _) ? marker : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Move(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.Rethrow(e, $"Recover could not rename '{from}' to '{to}': {e.Message}");
        }
    }

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.Rethrow(e, $"Recover could not delete the temp file '{path}': {e.Message}");
        }
    }
}
