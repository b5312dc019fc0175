using System.Text;
using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    /// <summary>
    /// Atomically replaces <paramref name="path"/> with <paramref name="contents"/>, each line followed by
    /// <see cref="Environment.NewLine"/>, as UTF-8 (no BOM), and writes its <c>.ok</c> marker. The lines are streamed.
    /// </summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="contents">The lines.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    public static AtomicWriteResult WriteAllLines(string path, IEnumerable<string> contents) => WriteAllLines(path, contents, Utf8NoBom, options: null);

    /// <inheritdoc cref="WriteAllLines(string, IEnumerable{string})"/>
    public static AtomicWriteResult WriteAllLines(string path, string[] contents) => WriteAllLines(path, contents, Utf8NoBom, options: null);

    /// <inheritdoc cref="WriteAllLines(string, IEnumerable{string})"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="encoding">The encoding (its preamble is written, as <see cref="File"/> does).</param>
    public static AtomicWriteResult WriteAllLines(string path, IEnumerable<string> contents, Encoding encoding) => WriteAllLines(path, contents, encoding, options: null);

    /// <inheritdoc cref="WriteAllLines(string, IEnumerable{string}, Encoding)"/>
    public static AtomicWriteResult WriteAllLines(string path, string[] contents, Encoding encoding) => WriteAllLines(path, contents, encoding, options: null);

    /// <inheritdoc cref="WriteAllLines(string, IEnumerable{string})"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    public static AtomicWriteResult WriteAllLines(string path, IEnumerable<string> contents, AtomicWriteOptions? options) => WriteAllLines(path, contents, Utf8NoBom, options);

    /// <inheritdoc cref="WriteAllLines(string, IEnumerable{string}, Encoding)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="encoding">The encoding.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    public static AtomicWriteResult WriteAllLines(string path, IEnumerable<string> contents, Encoding encoding, AtomicWriteOptions? options)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentNullException.ThrowIfNull(encoding);
        return WriteStream(
            fullPath,
            stream =>
            {
                using var writer = new StreamWriter(stream, encoding, StreamBufferSize, leaveOpen: true);
                foreach (string line in contents)
                {
                    writer.WriteLine(line);
                }
            },
            options,
            CancellationToken.None);
    }

    /// <summary>
    /// Asynchronously and atomically replaces <paramref name="path"/> with <paramref name="contents"/>, each line followed
    /// by <see cref="Environment.NewLine"/>, as UTF-8 (no BOM), and writes its <c>.ok</c> marker. The lines are streamed.
    /// </summary>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start; a cancelled write changes nothing.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled; the old file and marker are unchanged.</exception>
    public static Task<AtomicWriteResult> WriteAllLinesAsync(string path, IEnumerable<string> contents, CancellationToken cancellationToken = default) =>
        WriteAllLinesAsync(path, contents, Utf8NoBom, options: null, cancellationToken);

    /// <inheritdoc cref="WriteAllLinesAsync(string, IEnumerable{string}, CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="encoding">The encoding (its preamble is written, as <see cref="File"/> does).</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllLinesAsync(string path, IEnumerable<string> contents, Encoding encoding, CancellationToken cancellationToken = default) =>
        WriteAllLinesAsync(path, contents, encoding, options: null, cancellationToken);

    /// <inheritdoc cref="WriteAllLinesAsync(string, IEnumerable{string}, CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllLinesAsync(string path, IEnumerable<string> contents, AtomicWriteOptions? options, CancellationToken cancellationToken = default) =>
        WriteAllLinesAsync(path, contents, Utf8NoBom, options, cancellationToken);

    /// <inheritdoc cref="WriteAllLinesAsync(string, IEnumerable{string}, CancellationToken)"/>
    /// <param name="path">The file to write.</param>
    /// <param name="contents">The lines.</param>
    /// <param name="encoding">The encoding.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start.</param>
    public static Task<AtomicWriteResult> WriteAllLinesAsync(
        string path, IEnumerable<string> contents, Encoding encoding, AtomicWriteOptions? options, CancellationToken cancellationToken = default)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(contents);
        ArgumentNullException.ThrowIfNull(encoding);
        return WriteStreamAsync(
            fullPath,
            async (stream, ct) =>
            {
                var writer = new StreamWriter(stream, encoding, StreamBufferSize, leaveOpen: true);
                await using (writer.ConfigureAwait(false))
                {
                    foreach (string line in contents)
                    {
                        await writer.WriteLineAsync(line.AsMemory(), ct).ConfigureAwait(false);
                    }
                }
            },
            options,
            cancellationToken);
    }
}
