using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    /// <summary>
    /// Atomically replaces <paramref name="path"/> with whatever <paramref name="write"/> writes to the stream it is
    /// given, and writes its <c>.ok</c> marker. The stream hashes each buffer on its way to disk; it is write-only and
    /// cannot seek. Nothing is visible at <paramref name="path"/> until <paramref name="write"/> returns and the content is durable.
    /// </summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="write">Writes the content. If it throws, nothing changes and its exception propagates.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    public static AtomicWriteResult Write(string path, Action<Stream> write, AtomicWriteOptions? options = null)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(write);
        return WriteStream(fullPath, write, options, CancellationToken.None);
    }

    /// <summary>
    /// Asynchronously and atomically replaces <paramref name="path"/> with whatever <paramref name="write"/> writes to the
    /// stream it is given, and writes its <c>.ok</c> marker: the way to write a large artifact without holding it in memory.
    /// The stream hashes each buffer on its way to disk; it is write-only and cannot seek.
    /// </summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="write">Writes the content; receives <paramref name="cancellationToken"/>. If it throws, nothing changes and its exception propagates.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start; a cancelled write changes nothing.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled; the old file and marker are unchanged.</exception>
    public static Task<AtomicWriteResult> WriteAsync(
        string path, Func<Stream, CancellationToken, ValueTask> write, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(write);
        return WriteStreamAsync(fullPath, write, options, cancellationToken);
    }
}
