using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

/// <summary>
/// Several files of one step written together with shared syncs: each file is replaced atomically and gets its own
/// <c>.ok</c> marker, exactly as <see cref="AtomicFile.WriteAllBytes(string, byte[])"/> would write it, but the batch
/// pays for about one round of fsyncs instead of one per file.
/// </summary>
/// <remarks>
/// <para><see cref="Commit"/> takes these steps (Linux and macOS):</para>
/// <list type="number">
/// <item>For every file, in the order added: create its data and marker temps (as a single write does), write the
/// content and its marker, and start their writeback without waiting.</item>
/// <item>fsync every temp file, several at once, then every directory involved once: every file's new content and
/// every temp's name are durable before anything is renamed.</item>
/// <item>Per directory, under its exclusive lock, in the order added: rename each data temp over its target, then its
/// marker temp over its marker.</item>
/// <item>fsync every directory involved once, so that all renames survive a power cut.</item>
/// </list>
/// <para><b>The crash rule.</b> Each file of the batch is atomic on its own: after a crash (kill -9 or power cut) and
/// <see cref="AtomicFile.Recover(string)"/>, every file is wholly its old content or wholly its new content, and
/// <see cref="AtomicFile.Verify"/> is valid for it. The batch as a whole is <em>not</em> all-or-nothing: a crash during
/// <see cref="Commit"/> may leave any subset of its files new (POSIX lets renames in one directory reach the disk in any
/// order; on ext4 with <c>data=ordered</c> the new files of one directory are always a prefix of the order added).
/// Once <see cref="Commit"/> has returned, every file is new. A step that must know whether its batch completed
/// records that after <see cref="Commit"/> returns (a checkpoint with <c>FileSha256Evidence</c> for each file), or
/// checks each file's hash against the results.</para>
/// <para>Each added file holds two open temp files until <see cref="Commit"/> returns: keep batches to the artifacts of
/// one step (tens of files, not thousands). A batch is committed once.</para>
/// </remarks>
public sealed class AtomicBatch
{
    private const string AlreadyCommitted = "This AtomicBatch was already committed; create a new one for the next step's files.";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly StringComparer PathComparer =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly AtomicWriteOptions? _options;
    private readonly List<(string Path, ReadOnlyMemory<byte> Content)> _entries = [];
    private readonly HashSet<string> _paths = new(PathComparer);
    private int _committed;

    /// <summary>Creates an empty batch.</summary>
    /// <param name="options">Write options for every file of the batch; null for the defaults.</param>
    public AtomicBatch(AtomicWriteOptions? options = null) => _options = options;

    /// <summary>Gets the number of files added so far.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds a file to write with <paramref name="content"/>.</summary>
    /// <param name="path">The file to write; missing parent directories are created at commit.</param>
    /// <param name="content">The new content (not copied: leave the array unchanged until <see cref="Commit"/> returns).</param>
    /// <returns>This batch, to chain calls.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, is a directory, is already in the batch, or is
    /// the <c>.ok</c> marker of a file in the batch (or the reverse).</exception>
    /// <exception cref="InvalidOperationException">The batch was already committed.</exception>
    public AtomicBatch Add(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Add(path, new ReadOnlyMemory<byte>(content));
    }

    /// <inheritdoc cref="Add(string, byte[])"/>
    /// <param name="path">The file to write; missing parent directories are created at commit.</param>
    /// <param name="content">The new content (not copied: leave the memory unchanged until <see cref="Commit"/> returns).</param>
    public AtomicBatch Add(string path, ReadOnlyMemory<byte> content)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ThrowIfCommitted();
        if (_paths.Contains(fullPath))
        {
            throw new ArgumentException($"The path '{fullPath}' is already in this batch; a batch writes each file once.", nameof(path));
        }

        if (_paths.Contains(fullPath + AtomicFile.OkMarkerSuffix))
        {
            throw new ArgumentException($"The file '{fullPath + AtomicFile.OkMarkerSuffix}' in this batch would be overwritten by the .ok marker of '{fullPath}'.", nameof(path));
        }

        if (fullPath.EndsWith(AtomicFile.OkMarkerSuffix, StringComparison.Ordinal)
            && _paths.Contains(fullPath[..^AtomicFile.OkMarkerSuffix.Length]))
        {
            throw new ArgumentException($"The path '{fullPath}' is the .ok marker of '{fullPath[..^AtomicFile.OkMarkerSuffix.Length]}', which is in this batch.", nameof(path));
        }

        _paths.Add(fullPath);
        _entries.Add((fullPath, content));
        return this;
    }

    /// <summary>Adds a file to write with <paramref name="contents"/> encoded as UTF-8 without a byte order mark, as <see cref="AtomicFile.WriteAllText(string, string?)"/> does.</summary>
    /// <param name="path">The file to write; missing parent directories are created at commit.</param>
    /// <param name="contents">The text; null writes an empty file.</param>
    /// <returns>This batch, to chain calls.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Add(string, byte[])"/>, or the text cannot be encoded.</exception>
    /// <exception cref="InvalidOperationException">The batch was already committed.</exception>
    public AtomicBatch AddText(string path, string? contents) => AddText(path, contents, Utf8NoBom);

    /// <summary>Adds a file to write with <paramref name="contents"/> in <paramref name="encoding"/> (its preamble first), as <see cref="AtomicFile.WriteAllText(string, string?, Encoding)"/> does.</summary>
    /// <param name="path">The file to write; missing parent directories are created at commit.</param>
    /// <param name="contents">The text; null writes only the preamble.</param>
    /// <param name="encoding">The encoding.</param>
    /// <returns>This batch, to chain calls.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Add(string, byte[])"/>, or the text cannot be encoded.</exception>
    /// <exception cref="InvalidOperationException">The batch was already committed.</exception>
    public AtomicBatch AddText(string path, string? contents, Encoding encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        ReadOnlySpan<byte> preamble = encoding.Preamble;
        contents ??= "";
        byte[] bytes = new byte[preamble.Length + encoding.GetByteCount(contents)];
        preamble.CopyTo(bytes);
        encoding.GetBytes(contents, bytes.AsSpan(preamble.Length));
        return Add(path, bytes);
    }

    /// <summary>
    /// Adds a file to write with <paramref name="value"/> serialized now as UTF-8 JSON with source-generated metadata,
    /// as <see cref="AtomicFile.WriteJson{T}(string, T, JsonTypeInfo{T}, AtomicWriteOptions?)"/> does.
    /// </summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="path">The file to write; missing parent directories are created at commit.</param>
    /// <param name="value">The value to serialize.</param>
    /// <param name="typeInfo">Metadata for <typeparamref name="T"/>, usually from a <c>JsonSerializerContext</c>.</param>
    /// <returns>This batch, to chain calls.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Add(string, byte[])"/>.</exception>
    /// <exception cref="InvalidOperationException">The batch was already committed.</exception>
    public AtomicBatch AddJson<T>(string path, T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Add(path, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    /// <summary>
    /// Writes every file of the batch and its <c>.ok</c> marker, with shared syncs. See the remarks of
    /// <see cref="AtomicBatch"/> for the steps and the crash rule.
    /// </summary>
    /// <param name="cancellationToken">Cancels the batch until the moment its first rename starts; a cancelled batch changes nothing.</param>
    /// <returns>What each file's marker records, in the order the files were added.</returns>
    /// <exception cref="IOException">A write failed; the message names the file and says which files, if any, were
    /// replaced before the failure (none when it failed before the renames, which is almost always).</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied (the message names the file); as for <see cref="IOException"/>.</exception>
    /// <exception cref="OperationCanceledException">The batch was cancelled; no file was changed.</exception>
    /// <exception cref="InvalidOperationException">The batch was already committed.</exception>
    public IReadOnlyList<AtomicWriteResult> Commit(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _committed, 1) != 0)
        {
            throw new InvalidOperationException(AlreadyCommitted);
        }

        return AtomicBatchCommit.Run(_entries, _options, cancellationToken);
    }

    /// <summary>Asynchronously writes every file of the batch; see <see cref="Commit"/>.</summary>
    /// <param name="cancellationToken">Cancels the batch until the moment its first rename starts; a cancelled batch changes nothing.</param>
    /// <returns>What each file's marker records, in the order the files were added.</returns>
    /// <exception cref="IOException">As for <see cref="Commit"/>.</exception>
    /// <exception cref="UnauthorizedAccessException">As for <see cref="Commit"/>.</exception>
    /// <exception cref="OperationCanceledException">The batch was cancelled; no file was changed.</exception>
    /// <exception cref="InvalidOperationException">The batch was already committed.</exception>
    public Task<IReadOnlyList<AtomicWriteResult>> CommitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCommitted();

        // Unix has no asynchronous write or fsync for files: the batch runs on a pool thread, as FileStream's async I/O does.
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<IReadOnlyList<AtomicWriteResult>>(cancellationToken)
            : Task.Run(() => Commit(cancellationToken), cancellationToken);
    }

    private void ThrowIfCommitted()
    {
        if (Volatile.Read(ref _committed) != 0)
        {
            throw new InvalidOperationException(AlreadyCommitted);
        }
    }
}
