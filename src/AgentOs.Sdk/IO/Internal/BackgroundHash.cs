using System.Security.Cryptography;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// SHA-256 of a pinned buffer, computed on a thread-pool thread while the writer copies the same buffer into the temp
/// file and fsyncs it: for a large write the hash then costs no wall-clock time. Whoever comes first runs it: if no pool
/// thread has started it by <see cref="Join"/>, the caller hashes itself, so a starved pool delays nothing.
/// </summary>
/// <remarks>
/// The buffer must stay pinned and unchanged until <see cref="Join"/> returns; callers join in a <c>finally</c> inside
/// the <c>fixed</c> block that pins it.
/// </remarks>
internal sealed unsafe class BackgroundHash : IThreadPoolWorkItem
{
    private readonly byte* _content;
    private readonly int _length;
    private readonly TaskCompletionSource<string> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _claimed;

    private BackgroundHash(byte* content, int length)
    {
        _content = content;
        _length = length;
    }

    /// <summary>Queues the hash of the <paramref name="length"/> pinned bytes at <paramref name="content"/>.</summary>
    public static BackgroundHash Start(byte* content, int length)
    {
        var work = new BackgroundHash(content, length);
        ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false);
        return work;
    }

    /// <summary>Waits for the hash (computing it here if nobody has started) and returns it as lowercase hex.</summary>
    public string Join()
    {
        Execute();
        return _done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Hashes unless someone already has.</summary>
    public void Execute()
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
        {
            return;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(new ReadOnlySpan<byte>(_content, _length), hash);
        _done.SetResult(Convert.ToHexStringLower(hash));
    }
}
