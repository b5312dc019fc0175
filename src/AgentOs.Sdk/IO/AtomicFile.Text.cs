using System.Buffers;
using System.Text;
using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    /// <summary>UTF-8 without a byte order mark, strict about invalid text: what <see cref="File.WriteAllText(string, string?)"/> uses.</summary>
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="contents"/> as UTF-8 (no BOM) and writes its <c>.ok</c> marker.</summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="contents">The new text; null writes an empty file.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    public static AtomicWriteResult WriteAllText(string path, string? contents) => WriteAllText(path, contents, Utf8NoBom, options: null);

    /// <inheritdoc cref="WriteAllText(string, string?)"/>
    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="contents"/> in <paramref name="encoding"/> (with its preamble, as <see cref="File"/> writes it) and writes its <c>.ok</c> marker.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The new text; null writes only the encoding's preamble.</param>
    /// <param name="encoding">The encoding.</param>
    public static AtomicWriteResult WriteAllText(string path, string? contents, Encoding encoding) => WriteAllText(path, contents, encoding, options: null);

    /// <inheritdoc cref="WriteAllText(string, string?)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The new text; null writes an empty file.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    public static AtomicWriteResult WriteAllText(string path, string? contents, AtomicWriteOptions? options) => WriteAllText(path, contents, Utf8NoBom, options);

    /// <inheritdoc cref="WriteAllText(string, string?, Encoding)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The new text.</param>
    /// <param name="encoding">The encoding.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    public static AtomicWriteResult WriteAllText(string path, string? contents, Encoding encoding, AtomicWriteOptions? options)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(encoding);
        return WriteText(fullPath, contents, encoding, options, CancellationToken.None);
    }

    /// <summary>Asynchronously and atomically replaces <paramref name="path"/> with <paramref name="contents"/> as UTF-8 (no BOM) and writes its <c>.ok</c> marker.</summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="contents">The new text; null writes an empty file.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start; a cancelled write changes nothing.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled; the old file and marker are unchanged.</exception>
    public static Task<AtomicWriteResult> WriteAllTextAsync(string path, string? contents, CancellationToken cancellationToken = default) =>
        WriteAllTextAsync(path, contents, Utf8NoBom, options: null, cancellationToken);

    /// <inheritdoc cref="WriteAllTextAsync(string, string?, CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The new text.</param>
    /// <param name="encoding">The encoding (its preamble is written, as <see cref="File"/> does).</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllTextAsync(string path, string? contents, Encoding encoding, CancellationToken cancellationToken = default) =>
        WriteAllTextAsync(path, contents, encoding, options: null, cancellationToken);

    /// <inheritdoc cref="WriteAllTextAsync(string, string?, CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The new text.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllTextAsync(string path, string? contents, AtomicWriteOptions? options, CancellationToken cancellationToken = default) =>
        WriteAllTextAsync(path, contents, Utf8NoBom, options, cancellationToken);

    /// <inheritdoc cref="WriteAllTextAsync(string, string?, CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The new text.</param>
    /// <param name="encoding">The encoding (its preamble is written, as <see cref="File"/> does).</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllTextAsync(
        string path, string? contents, Encoding encoding, AtomicWriteOptions? options, CancellationToken cancellationToken = default)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(encoding);
        return RunAsync(
            (fullPath, contents, encoding, options, cancellationToken),
            static s => WriteText(s.fullPath, s.contents, s.encoding, s.options, s.cancellationToken),
            cancellationToken);
    }

    /// <summary>Encodes the text (preamble first) into one pooled buffer and writes it.</summary>
    private static AtomicWriteResult WriteText(string fullPath, string? contents, Encoding encoding, AtomicWriteOptions? options, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> preamble = encoding.Preamble;
        contents ??= "";
        int length = preamble.Length + encoding.GetByteCount(contents);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            preamble.CopyTo(buffer);
            encoding.GetBytes(contents, buffer.AsSpan(preamble.Length));
            return WriteBuffer(fullPath, buffer.AsSpan(0, length), options, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
