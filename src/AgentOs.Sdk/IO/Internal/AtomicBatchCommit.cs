namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// The steps of <see cref="AtomicBatch.Commit"/>: every file's temps written, all of them and their directories synced
/// once, then the renames per directory, then each directory synced once. See <see cref="AtomicBatch"/> for the crash rule.
/// </summary>
internal static class AtomicBatchCommit
{
    /// <summary>How many fsyncs run at once: enough for a journaling file system to fold them into one commit and one cache flush.</summary>
    private const int MaxParallelSyncs = 8;

    public static IReadOnlyList<AtomicWriteResult> Run(
        IReadOnlyList<(string Path, ReadOnlyMemory<byte> Content)> entries, AtomicWriteOptions? options, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return [];
        }

        options ??= AtomicWriteOptions.Default;
        var directories = new Dictionary<string, DirectoryHandle>(StringComparer.Ordinal);
        var sessions = new AtomicWriteSession?[entries.Count];
        int current = 0;
        try
        {
            // 1. Every file's data and marker written to its temps, the disk already busy with the earlier ones.
            for (; current < entries.Count; current++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                (string path, ReadOnlyMemory<byte> content) = entries[current];
                DirectoryHandle directory = OpenDirectory(directories, path, options);
                AtomicWriteSession session = AtomicWriteSession.Begin(path, options, bufferSize: 0, directory, cancellationToken);
                sessions[current] = session;
                string sha256 = AtomicFile.WriteContent(session, content.Span);
                session.WriteMarker(sha256, content.Length);
                session.StartWriteback();
            }

            // 2. Every temp fsynced (several at once), then every directory once: all new content and every temp's name
            // are durable before the first rename, so under any order in which the renames persist, Recover can finish
            // or undo each file on its own (the crash-state explorer's posix model checks that).
            current = SyncAll(sessions!);
            current = -1;
            foreach (DirectoryHandle directory in directories.Values)
            {
                directory.Flush();
            }

            // The last point where cancelling leaves every old pair in place; past it the batch finishes.
            cancellationToken.ThrowIfCancellationRequested();

            // 3. The renames, directory by directory under its exclusive lock (never two locks at once, so two
            // batches cannot deadlock), in the order the files were added.
            foreach (IGrouping<string, int> group in Enumerable.Range(0, entries.Count).GroupBy(i => Path.GetDirectoryName(entries[i].Path)!, StringComparer.Ordinal))
            {
                using (directories[group.Key].LockExclusive())
                {
                    foreach (int i in group)
                    {
                        current = i;
                        sessions[i]!.RenameIntoPlace();
                    }
                }
            }
        }
        catch (Exception e)
        {
            Exception? wrapped = Abort(entries, sessions, current, e);
            SyncQuietly(directories);
            DisposeAll(sessions, directories);
            if (wrapped is null)
            {
                throw;
            }

            throw wrapped;
        }

        try
        {
            // 4. Every directory fsynced once: without it a power cut could bring back old entries after we returned.
            foreach (DirectoryHandle directory in directories.Values)
            {
                current = -1;
                try
                {
                    directory.Flush();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException(
                        $"The {entries.Count} files of the batch and their .ok markers were replaced, but the directory '{directory.Path}' could not be synced, so the change may not survive a power cut: {e.Message}",
                        e) { HResult = e.HResult };
                }
            }

            return [.. sessions.Select(s => s!.Completed())];
        }
        finally
        {
            DisposeAll(sessions, directories);
        }
    }

    /// <summary>The directory of <paramref name="path"/>, ensured and opened once per batch.</summary>
    private static DirectoryHandle OpenDirectory(Dictionary<string, DirectoryHandle> directories, string path, AtomicWriteOptions options)
    {
        string directory = Path.GetDirectoryName(path)!;
        if (!directories.TryGetValue(directory, out DirectoryHandle? handle))
        {
            TargetPath.EnsureDirectory(directory, options.CreateDirectories, path);
            try
            {
                handle = DirectoryHandle.Open(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Errors.ForFailedWrite(path, e, targetReplaced: false)!;
            }

            directories.Add(directory, handle);
        }

        return handle;
    }

    /// <summary>fsyncs every session's temps, several at once; on failure throws the first failure, and returns its index through the exception's data.</summary>
    private static int SyncAll(AtomicWriteSession[] sessions)
    {
        var errors = new Exception?[sessions.Length];
        Parallel.For(
            0,
            sessions.Length,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Min(sessions.Length, MaxParallelSyncs) },
            i =>
            {
                try
                {
                    sessions[i].SyncTemps();
                }
                catch (Exception e)
                {
                    errors[i] = e;
                }
            });
        int failed = Array.FindIndex(errors, e => e is not null);
        if (failed >= 0)
        {
            throw new BatchEntryException(failed, errors[failed]!);
        }

        return -1;
    }

    /// <summary>
    /// Gives the batch up: deletes the temps of every file not yet renamed (a file whose data was renamed but not its
    /// marker keeps its marker temp for Recover), and returns the exception to throw, naming the file that failed and
    /// the files already replaced; null to rethrow as is (cancellation, the caller's own exceptions).
    /// </summary>
    private static Exception? Abort(
        IReadOnlyList<(string Path, ReadOnlyMemory<byte> Content)> entries, AtomicWriteSession?[] sessions, int current, Exception error)
    {
        if (error is BatchEntryException entry)
        {
            current = entry.Index;
            error = entry.InnerException!;
        }

        var replaced = new List<string>();
        for (int i = 0; i < sessions.Length; i++)
        {
            if (sessions[i] is not { } session)
            {
                continue;
            }

            if (session.TargetReplaced)
            {
                replaced.Add(entries[i].Path);
            }

            _ = session.Abort(error);
        }

        string path = current >= 0 && current < entries.Count ? entries[current].Path : Path.GetDirectoryName(entries[0].Path)!;

        // A failure to create the temps already names the file in a single write's words: keep only its reason.
        string reason = error.InnerException is { } inner && error.Message.StartsWith($"Could not write '{path}' atomically", StringComparison.Ordinal)
            ? inner.Message
            : error.Message;
        string outcome = replaced.Count == 0
            ? $"No file of the batch of {entries.Count} was changed."
            : $"{replaced.Count} of the batch's {entries.Count} files were already replaced ({string.Join(", ", replaced.Select(p => $"'{p}'"))}); the others were left unchanged. Run AtomicFile.Recover on their directories before trusting them.";
        return Errors.SameKind(error, $"Could not write '{path}' in an atomic batch: {reason} {outcome}");
    }

    /// <summary>After a failure among the renames, makes those that happened durable if it can (the error is already being reported).</summary>
    private static void SyncQuietly(Dictionary<string, DirectoryHandle> directories)
    {
        foreach (DirectoryHandle directory in directories.Values)
        {
            try
            {
                directory.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Recover syncs the directory after it finishes the pair; the caller learns of the failure already.
            }
        }
    }

    private static void DisposeAll(AtomicWriteSession?[] sessions, Dictionary<string, DirectoryHandle> directories)
    {
        foreach (AtomicWriteSession? session in sessions)
        {
            session?.Dispose();
        }

        foreach (DirectoryHandle directory in directories.Values)
        {
            directory.Dispose();
        }
    }

    /// <summary>Carries which file's sync failed out of the parallel loop.</summary>
    private sealed class BatchEntryException(int index, Exception inner) : Exception(inner.Message, inner)
    {
        public int Index { get; } = index;
    }
}
