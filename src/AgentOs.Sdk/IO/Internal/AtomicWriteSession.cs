using System.Diagnostics;
using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// One atomic write in progress: the two temp files beside the target, and the steps that turn them into the new
/// (target, marker) pair. The order of the steps is what makes a crash at any instant harmless; see <see cref="AtomicFile"/>.
/// </summary>
internal sealed class AtomicWriteSession : IDisposable
{
    private const int MaxNameAttempts = 8;

    private readonly AtomicWriteOptions _options;
    private readonly DirectoryHandle _directory;
    private readonly bool _ownsDirectory;
    private readonly FileStream _data;
    private readonly FileStream _marker;
    private readonly string _dataTemp;
    private readonly string _markerTemp;
    // AtomicFile is static, so its telemetry is AgentOsTelemetry.Default; timing starts before the temp files are created.
    private readonly long _started;
    private readonly Activity? _activity;
    private BackgroundFsync? _dataSync;
    private bool _targetReplaced;
    private bool _committed;
    private AtomicWriteResult? _result;

    private AtomicWriteSession(
        string targetPath, AtomicWriteOptions options, DirectoryHandle directory, bool ownsDirectory, FileStream data, FileStream marker, string dataTemp, string markerTemp, long started, Activity? activity)
    {
        _ownsDirectory = ownsDirectory;
        _started = started;
        _activity = activity;
        TargetPath = targetPath;
        MarkerPath = targetPath + AtomicFile.OkMarkerSuffix;
        _options = options;
        _directory = directory;
        _data = data;
        _marker = marker;
        _dataTemp = dataTemp;
        _markerTemp = markerTemp;
    }

    /// <summary>The full path of the file being written.</summary>
    public string TargetPath { get; }

    /// <summary>The full path of its <c>.ok</c> marker.</summary>
    public string MarkerPath { get; }

    /// <summary>The data temp file: the caller writes the new content here (and hashes what it writes).</summary>
    public FileStream Data => _data;

    /// <summary>
    /// Creates the temp files for a write to <paramref name="fullPath"/> (already checked by <see cref="Internal.TargetPath.ForWrite"/>).
    /// <paramref name="bufferSize"/> 0 writes straight through (for callers that hand over whole buffers).
    /// </summary>
    public static AtomicWriteSession Begin(string fullPath, AtomicWriteOptions? options, int bufferSize, CancellationToken cancellationToken) =>
        Begin(fullPath, options, bufferSize, sharedDirectory: null, cancellationToken);

    /// <summary>
    /// As <see cref="Begin(string, AtomicWriteOptions?, int, CancellationToken)"/>, with the target's directory already
    /// open (and ensured) in <paramref name="sharedDirectory"/>, which the session then uses but does not close.
    /// </summary>
    public static AtomicWriteSession Begin(string fullPath, AtomicWriteOptions? options, int bufferSize, DirectoryHandle? sharedDirectory, CancellationToken cancellationToken)
    {
        options ??= AtomicWriteOptions.Default;
        cancellationToken.ThrowIfCancellationRequested();
        long started = Stopwatch.GetTimestamp();
        string directory = Path.GetDirectoryName(fullPath)!;
        if (sharedDirectory is null)
        {
            Internal.TargetPath.EnsureDirectory(directory, options.CreateDirectories, fullPath);
        }

        DirectoryHandle? handle = null;
        try
        {
            handle = sharedDirectory ?? DirectoryHandle.Open(directory);
            UnixFileMode? keepMode = ModeToKeep(fullPath, options);
            string name = Path.GetFileName(fullPath);
            for (int attempt = 1; ; attempt++)
            {
                string token = TempFileName.NewToken();
                string dataTemp = Path.Combine(directory, TempFileName.ForData(name, token));
                string markerTemp = Path.Combine(directory, TempFileName.ForMarker(name, token));

                // Create and flock both temp files under the shared directory lock: Recover takes that lock exclusively
                // before it looks, so it can never find these files unlocked and delete them as a dead writer's.
                using (handle.LockShared())
                {
                    FileStream? data = TryCreateTemp(dataTemp, options, keepMode, bufferSize);
                    if (data is null && attempt < MaxNameAttempts)
                    {
                        continue;
                    }

                    FileStream? marker = null;
                    try
                    {
                        data ??= CreateTemp(dataTemp, options, keepMode, bufferSize);
                        marker = CreateTemp(markerTemp, options, keepMode, bufferSize: 0);
                    }
                    catch
                    {
                        DeleteQuietly(dataTemp, data);
                        throw;
                    }

                    return new AtomicWriteSession(fullPath, options, handle, ownsDirectory: sharedDirectory is null, data, marker, dataTemp, markerTemp, started, AgentOsTelemetry.StartAtomicWrite(fullPath));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (sharedDirectory is null)
            {
                handle?.Dispose();
            }

            throw Errors.ForFailedWrite(fullPath, e, targetReplaced: false)!;
        }
        catch
        {
            if (sharedDirectory is null)
            {
                handle?.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Starts the fsync of the data temp, then of the directory, on another thread (the caller may hash meanwhile).
    /// The directory's fsync makes the temps' names durable before either rename: otherwise a power cut that keeps one
    /// rename and loses the other (POSIX orders neither) could leave a pair that Recover cannot complete (the crash-state
    /// explorer's posix model finds that state). Idempotent.
    /// </summary>
    public void BeginDataSync() => _dataSync ??= BackgroundFsync.Start(_data, _directory);

    /// <summary>
    /// Asks the kernel to start writing the data temp's dirty pages to disk now, without waiting (a hint only: the
    /// fsync in <see cref="Commit"/> is what makes them durable, and reports any error). Lets the disk work while the
    /// caller still hashes.
    /// </summary>
    public void StartDataWriteback() => LibC.StartWriteback(_data.SafeFileHandle);

    /// <summary>
    /// Makes the write durable and visible: fsync the data and the marker, rename both over the old pair under the
    /// exclusive directory lock, fsync the directory. <paramref name="sha256"/> and <paramref name="size"/> describe the
    /// bytes the caller wrote to <see cref="Data"/>.
    /// </summary>
    public AtomicWriteResult Commit(string sha256, long size, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // The marker reaches the page cache before any fsync starts: a journaling file system then commits the data's
        // and the marker's blocks in one transaction, instead of a second commit for a marker written after it began.
        WriteMarker(sha256, size);

        // fsync the data before any rename: otherwise a power cut could leave the target renamed but its blocks unwritten.
        BeginDataSync();

        // fsync the marker before its rename, for the same reason (and in parallel with the data's fsync).
        _marker.Flush(flushToDisk: true);
        _dataSync!.Join();

        // The last point where cancelling leaves the old pair in place; past it the write finishes.
        cancellationToken.ThrowIfCancellationRequested();

        // Both renames under the exclusive directory lock: no other writer can slip its rename between ours, so the
        // target and its marker always come from the same write (Verify reads the pair under the shared lock).
        using (_directory.LockExclusive())
        {
            RenameIntoPlace();
        }

        try
        {
            // fsync the directory: without it a power cut could bring back the old entries after we reported success.
            _directory.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException(
                $"'{TargetPath}' and its .ok marker were replaced, but the directory could not be synced, so the change may not survive a power cut: {e.Message}",
                e) { HResult = e.HResult };
        }

        return Completed();
    }

    /// <summary>Writes the marker describing the data temp's content to the marker temp (not yet fsynced).</summary>
    public void WriteMarker(string sha256, long size)
    {
        DateTimeOffset timestamp = _options.TimeProvider.GetUtcNow().ToUniversalTime();
        var marker = new OkMarker { Sha256 = sha256, Size = size, Timestamp = timestamp, Path = TargetPath };
        _marker.Write(marker.ToUtf8Json());
        _result = new AtomicWriteResult(TargetPath, sha256, size, timestamp, MarkerPath);
    }

    /// <summary>Starts the writeback of both temps without waiting (a hint; <see cref="SyncTemps"/> makes them durable).</summary>
    public void StartWriteback()
    {
        LibC.StartWriteback(_data.SafeFileHandle);
        LibC.StartWriteback(_marker.SafeFileHandle);
    }

    /// <summary>fsyncs the data temp and the marker temp on the calling thread (the batch form; it syncs the directory once for all).</summary>
    public void SyncTemps()
    {
        _data.Flush(flushToDisk: true);
        _marker.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Renames the data temp over the target, then the marker temp over the marker. The caller holds the exclusive
    /// directory lock, has made both temps (content and names) durable, and fsyncs the directory afterwards.
    /// </summary>
    public void RenameIntoPlace()
    {
        if (Directory.Exists(MarkerPath))
        {
            throw new IOException($"The marker path '{MarkerPath}' is a directory.");
        }

        // rename(2) replaces the target atomically: a reader, or a crash, sees the old content or the new, whole.
        File.Move(_dataTemp, TargetPath, overwrite: true);
        _targetReplaced = true;

        // A crash here leaves the new content beside the old marker; the marker temp still describes the new
        // content, and Recover installs it (roll forward), so the good file is never condemned.
        File.Move(_markerTemp, MarkerPath, overwrite: true);
        _committed = true;
        _data.Dispose();
        _marker.Dispose();
    }

    /// <summary>Whether the target has been replaced (its marker may still be in its temp).</summary>
    public bool TargetReplaced => _targetReplaced;

    /// <summary>Records the finished write (after the directory's fsync) and returns what its marker says.</summary>
    public AtomicWriteResult Completed()
    {
        AtomicWriteResult result = _result ?? throw new InvalidOperationException("The marker was not written.");
        AgentOsTelemetry.Default.OnAtomicWrite(_activity, _started, result.Size);
        return result;
    }

    /// <summary>
    /// Gives the write up after <paramref name="error"/>: removes the temp files (or, if the target was already
    /// replaced, keeps the marker temp for Recover) and returns the exception to throw instead, or null to rethrow as is.
    /// </summary>
    public Exception? Abort(Exception error)
    {
        if (_committed)
        {
            // Only the final directory fsync failed; Commit already says so.
            return null;
        }

        AgentOsTelemetry.Failed(_activity, error);
        // Never close a file (or the directory) another thread is still fsyncing.
        _dataSync?.JoinQuietly();
        if (!_targetReplaced)
        {
            DeleteQuietly(_dataTemp, _data);
            DeleteQuietly(_markerTemp, _marker);
        }

        Dispose();
        return Errors.ForFailedWrite(TargetPath, error, _targetReplaced);
    }

    public void Dispose()
    {
        _activity?.Dispose();
        _dataSync?.JoinQuietly();
        _data.Dispose();
        _marker.Dispose();
        if (_ownsDirectory)
        {
            _directory.Dispose();
        }
    }

    private static UnixFileMode? ModeToKeep(string fullPath, AtomicWriteOptions options)
    {
        if (OperatingSystem.IsWindows() || !options.PreservePermissions || !File.Exists(fullPath))
        {
            return null;
        }

        try
        {
            return File.GetUnixFileMode(fullPath);
        }
        catch (FileNotFoundException)
        {
            // Deleted meanwhile: the new file is a new file.
            return null;
        }
    }

    /// <summary>Creates a temp file, or returns null when the name is taken (the caller picks another token).</summary>
    private static FileStream? TryCreateTemp(string path, AtomicWriteOptions options, UnixFileMode? keepMode, int bufferSize)
    {
        try
        {
            return CreateTemp(path, options, keepMode, bufferSize);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    private static FileStream CreateTemp(string path, AtomicWriteOptions options, UnixFileMode? keepMode, int bufferSize)
    {
        var streamOptions = new FileStreamOptions
        {
            // CreateNew is O_CREAT|O_EXCL: this writer alone owns the file; two writers never share a temp.
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            // Readers welcome; Delete so that Windows lets the open file be renamed (Unix ignores it).
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = bufferSize,
        };
        if (!OperatingSystem.IsWindows() && options.UnixCreateMode is { } createMode)
        {
            streamOptions.UnixCreateMode = createMode;
        }

        var stream = new FileStream(path, streamOptions);
        try
        {
            TempFileLock.Hold(stream.SafeFileHandle, path);
            if (!OperatingSystem.IsWindows() && keepMode is { } mode)
            {
                // The exact bits of the file being replaced (fchmod, so the umask does not apply).
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
            }

            return stream;
        }
        catch
        {
            DeleteQuietly(path, stream);
            throw;
        }
    }

    private static void DeleteQuietly(string path, FileStream? stream)
    {
        try
        {
            // Unlink while still holding the lock, so Recover never sees the file unlocked.
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do here; the file is an orphan temp that the next Recover removes.
        }
        finally
        {
            stream?.Dispose();
        }
    }
}
