using System.Security.Cryptography;
using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

/// <summary>
/// Writes files atomically, like <see cref="File"/> but crash-safe: after a crash (kill -9, power cut, full disk) a
/// file is wholly its old content or wholly its new content, and its <c>&lt;path&gt;.ok</c> marker (JSON with
/// <c>sha256</c>, <c>size</c>, <c>timestamp</c>, <c>path</c>) lets anyone prove which with <see cref="Verify"/>.
/// </summary>
/// <remarks>
/// <para>A write takes these steps (Linux and macOS; each guards against a crash named in the code):</para>
/// <list type="number">
/// <item>Create two temp files beside the target, exclusively and with a random name: data <c>.name.TOKEN.tmp</c> and
/// marker <c>.name.TOKEN.ok.tmp</c>; flock them (shared) so <see cref="Recover(string)"/> knows a live writer owns them.</item>
/// <item>Write the content to the data temp, hashing the same buffers on the way (never re-reading the file; a large
/// buffer on the second core while it is copied and written back).</item>
/// <item>Write the marker describing that content to the marker temp. Only then fsync: the data and then the directory
/// (so the temps' names are durable before any rename) in parallel with the marker.</item>
/// <item>Under an exclusive flock on the directory: rename the data temp over the target, then the marker temp over the marker.</item>
/// <item>fsync the directory, so the renames survive a power cut.</item>
/// </list>
/// <para>Why every instant is safe: before step 4 the old pair is untouched and only temps exist, which Recover deletes
/// (roll back). Between the two renames the new content sits beside the old marker, and the marker temp describes
/// exactly the new content, so Recover installs it (roll forward): a good file is never condemned. If a power cut keeps
/// the marker's rename but not the data's (POSIX does not order them), the data temp is still there (step 2 made its
/// name durable) and the marker describes it, so Recover renames it into place. After step 4 the pair is new.
/// Recover installs a marker only when it describes the bytes on disk, and installs data only when the marker on disk
/// describes those bytes, so Verify can never call valid bytes the marker does not describe.</para>
/// <para>Concurrent writers (threads or processes) to one path never share a temp file and write their data in
/// parallel; only the two renames are serialised by the directory lock, so the last writer's content and marker always
/// arrive together. <see cref="Verify"/> reads the pair under the shared lock.</para>
/// <para>A marker names its file's full path, so a file moved or copied elsewhere (with its marker) no longer verifies
/// there: rewrite it at its new place.</para>
/// <para>On Windows the writes are still atomic replacements, but there is no directory fsync and no flock: concurrent
/// writers are not serialised around their renames, and Recover must run only while no writer runs.
/// A path that is a symbolic link is replaced by a regular file (the link is not followed); the owner of a replaced file
/// is not kept (its permission bits are).</para>
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>The suffix of a file's marker: the marker of <c>a/b.json</c> is <c>a/b.json.ok</c>.</summary>
    public const string OkMarkerSuffix = ".ok";

    /// <summary>Returns the path of the <c>.ok</c> marker of <paramref name="path"/> (full path).</summary>
    /// <param name="path">The file's path.</param>
    /// <returns><c>Path.GetFullPath(path) + ".ok"</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    public static string GetOkMarkerPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Path.GetFullPath(path) + OkMarkerSuffix;
    }

    /// <summary>The core of every buffered write: the caller has the whole content in memory.</summary>
    private static AtomicWriteResult WriteBuffer(string fullPath, ReadOnlySpan<byte> content, AtomicWriteOptions? options, CancellationToken cancellationToken)
    {
        using AtomicWriteSession session = AtomicWriteSession.Begin(fullPath, options, bufferSize: 0, cancellationToken);
        try
        {
            string sha256 = WriteContent(session, content);
            return session.Commit(sha256, content.Length, cancellationToken);
        }
        catch (Exception e)
        {
            Exception? wrapped = session.Abort(e);
            if (wrapped is null)
            {
                throw;
            }

            throw wrapped;
        }
    }

    /// <summary>
    /// Writes a whole buffer to the session's data temp and returns its SHA-256, taken from the very bytes being
    /// written, in memory, never by reading the file back. Starts no fsync: the caller writes the marker first, so that
    /// one journal commit carries both files' blocks.
    /// </summary>
    internal static unsafe string WriteContent(AtomicWriteSession session, ReadOnlySpan<byte> content)
    {
        if (content.Length < ParallelHashThreshold)
        {
            session.Data.Write(content);
            return HashHex(content);
        }

        // A large buffer is hashed on another core while this thread copies it to the file, and while the disk receives
        // it: the writeback is started (not waited for) as soon as the copy is done, so the hash costs no wall-clock
        // time unless it takes longer than writing the data out.
        fixed (byte* pinned = content)
        {
            BackgroundHash hashing = BackgroundHash.Start(pinned, content.Length);
            string sha256;
            try
            {
                session.Data.Write(content);
                session.StartDataWriteback();
            }
            finally
            {
                // Always join before the buffer is unpinned, even when the write failed.
                sha256 = hashing.Join();
            }

            return sha256;
        }
    }

    /// <summary>The core of every streamed write, synchronous form.</summary>
    private static AtomicWriteResult WriteStream(string fullPath, Action<Stream> write, AtomicWriteOptions? options, CancellationToken cancellationToken)
    {
        using AtomicWriteSession session = AtomicWriteSession.Begin(fullPath, options, StreamBufferSize, cancellationToken);
        var hashing = new HashingWriteStream(session.Data);
        try
        {
            write(hashing);
            hashing.Flush();
            (string sha256, long size) = hashing.Complete();
            return session.Commit(sha256, size, cancellationToken);
        }
        catch (Exception e)
        {
            hashing.Abandon();
            Exception? wrapped = session.Abort(e);
            if (wrapped is null)
            {
                throw;
            }

            throw wrapped;
        }
    }

    /// <summary>The core of every streamed write, asynchronous form.</summary>
    private static async Task<AtomicWriteResult> WriteStreamAsync(
        string fullPath, Func<Stream, CancellationToken, ValueTask> write, AtomicWriteOptions? options, CancellationToken cancellationToken)
    {
        using AtomicWriteSession session = AtomicWriteSession.Begin(fullPath, options, StreamBufferSize, cancellationToken);
        var hashing = new HashingWriteStream(session.Data);
        try
        {
            await write(hashing, cancellationToken).ConfigureAwait(false);
            await hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
            (string sha256, long size) = hashing.Complete();

            // fsync has no asynchronous form: the syncs and renames run on a pool thread, as FileStream's own async I/O does on Unix.
            return await Task.Run(() => session.Commit(sha256, size, cancellationToken), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            hashing.Abandon();
            Exception? wrapped = session.Abort(e);
            if (wrapped is null)
            {
                throw;
            }

            throw wrapped;
        }
    }

    /// <summary>Runs a synchronous buffered write on a pool thread: Unix has no asynchronous write or fsync for files.</summary>
    private static Task<AtomicWriteResult> RunAsync<TState>(TState state, Func<TState, AtomicWriteResult> write, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<AtomicWriteResult>(cancellationToken)
            : Task.Run(() => write(state), cancellationToken);

    private static string HashHex(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Below this size hashing costs less than handing it to another thread.</summary>
    private const int ParallelHashThreshold = 256 * 1024;

    /// <summary>FileStream buffer for streamed writes: large enough that small writes do not become one syscall each.</summary>
    private const int StreamBufferSize = 64 * 1024;
}
