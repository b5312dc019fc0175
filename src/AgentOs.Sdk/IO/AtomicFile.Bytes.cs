using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="bytes"/> and writes its <c>.ok</c> marker.</summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="bytes">The new content.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    public static AtomicWriteResult WriteAllBytes(string path, byte[] bytes) => WriteAllBytes(path, bytes, options: null);

    /// <inheritdoc cref="WriteAllBytes(string, byte[])"/>
    public static AtomicWriteResult WriteAllBytes(string path, ReadOnlySpan<byte> bytes) => WriteAllBytes(path, bytes, options: null);

    /// <inheritdoc cref="WriteAllBytes(string, byte[])"/>
    /// <param name="path">The file to write.</param>
    /// <param name="bytes">The new content.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    public static AtomicWriteResult WriteAllBytes(string path, byte[] bytes, AtomicWriteOptions? options)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return WriteAllBytes(path, new ReadOnlySpan<byte>(bytes), options);
    }

    /// <inheritdoc cref="WriteAllBytes(string, byte[], AtomicWriteOptions?)"/>
    public static AtomicWriteResult WriteAllBytes(string path, ReadOnlySpan<byte> bytes, AtomicWriteOptions? options) =>
        WriteBuffer(TargetPath.ForWrite(path, nameof(path)), bytes, options, CancellationToken.None);

    /// <summary>Asynchronously and atomically replaces <paramref name="path"/> with <paramref name="bytes"/> and writes its <c>.ok</c> marker.</summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="bytes">The new content.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start; a cancelled write changes nothing.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled; the old file and marker are unchanged.</exception>
    public static Task<AtomicWriteResult> WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default) =>
        WriteAllBytesAsync(path, bytes, options: null, cancellationToken);

    /// <inheritdoc cref="WriteAllBytesAsync(string, byte[], CancellationToken)"/>
    public static Task<AtomicWriteResult> WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        WriteAllBytesAsync(path, bytes, options: null, cancellationToken);

    /// <inheritdoc cref="WriteAllBytesAsync(string, byte[], CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="bytes">The new content.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllBytesAsync(string path, byte[] bytes, AtomicWriteOptions? options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return WriteAllBytesAsync(path, new ReadOnlyMemory<byte>(bytes), options, cancellationToken);
    }

    /// <inheritdoc cref="WriteAllBytesAsync(string, byte[], AtomicWriteOptions?, CancellationToken)"/>
    public static Task<AtomicWriteResult> WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, AtomicWriteOptions? options, CancellationToken cancellationToken = default)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        return RunAsync(
            (fullPath, bytes, options, cancellationToken),
            static s => WriteBuffer(s.fullPath, s.bytes.Span, s.options, s.cancellationToken),
            cancellationToken);
    }
}
