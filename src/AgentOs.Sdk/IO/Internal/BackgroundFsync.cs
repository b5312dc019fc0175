namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// Runs an fsync on a thread-pool thread: <c>FileStream.Flush(true)</c> (write the buffer, then fsync) so that the
/// writer can hash and write the marker while the disk is busy with the data, or a directory's fsync while the data is
/// still being written. Whoever comes first runs it: if no pool thread has picked it up by the time <see cref="Join"/>
/// is called, the caller runs it itself, so a starved pool delays nothing.
/// </summary>
internal sealed class BackgroundFsync : IThreadPoolWorkItem
{
    private readonly FileStream? _stream;
    private readonly DirectoryHandle? _directory;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _claimed;

    private BackgroundFsync(FileStream? stream, DirectoryHandle? directory)
    {
        _stream = stream;
        _directory = directory;
    }

    /// <summary>Queues the fsync of <paramref name="stream"/>.</summary>
    public static BackgroundFsync Start(FileStream stream) => Queue(new BackgroundFsync(stream, null));

    /// <summary>Queues the fsync of <paramref name="directory"/>.</summary>
    public static BackgroundFsync Start(DirectoryHandle directory) => Queue(new BackgroundFsync(null, directory));

    private static BackgroundFsync Queue(BackgroundFsync work)
    {
        ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
        return work;
    }

    /// <summary>Waits until the fsync has run (running it here if nobody has started it); rethrows its error.</summary>
    public void Join()
    {
        Execute();
        _done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Waits until the fsync has run, without rethrowing: for clean-up after another failure.</summary>
    public void JoinQuietly()
    {
        Execute();
        try
        {
            _done.Task.Wait();
        }
        catch (AggregateException)
        {
            // The caller is already reporting the failure that made it give up; this one would only hide it.
        }
    }

    /// <summary>Runs the fsync unless someone already has.</summary>
    public void Execute()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
        {
            return;
        }

        try
        {
            if (_stream is not null)
            {
                _stream.Flush(flushToDisk: true);
            }
            else
            {
                _directory!.Flush();
            }

            _done.SetResult();
        }
        catch (Exception e)
        {
            _done.SetException(e);
        }
    }
}
