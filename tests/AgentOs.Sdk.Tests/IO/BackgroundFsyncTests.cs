using AgentOs.Sdk.IO.Internal;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>The data fsync runs on another thread; its errors must still reach the writer.</summary>
public sealed class BackgroundFsyncTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_fsync_runs_and_Join_returns_after_it()
    {
        using var stream = new FileStream(_dir.File("data.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 4096);
        stream.Write(new byte[10_000]);

        BackgroundFsync.Start(stream).Join();

        Assert.Equal(10_000, new FileInfo(_dir.File("data.bin")).Length);
    }

    [Fact]
    public void An_fsync_error_is_rethrown_by_Join_not_lost_on_the_pool_thread()
    {
        var stream = new FileStream(_dir.File("data.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 4096);
        stream.Dispose();

        BackgroundFsync work = BackgroundFsync.Start(stream);

        Assert.Throws<ObjectDisposedException>(work.Join);
        work.JoinQuietly();
    }
}
