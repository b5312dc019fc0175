using AgentOs.Sdk.IO.Internal;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>The libc interop: directory open, fsync and flock, with their errors.</summary>
public sealed class DirectoryHandleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_directory_opens_syncs_and_locks()
    {
        using DirectoryHandle handle = DirectoryHandle.Open(_dir.Path);

        handle.Flush();
        using (handle.LockShared())
        {
        }

        using (handle.LockExclusive())
        {
        }

        Assert.Equal(_dir.Path, handle.Path);
    }

    [Fact]
    public void Opening_a_file_as_a_directory_fails_so_the_O_DIRECTORY_flag_is_right_for_this_platform()
    {
        string file = _dir.File("file.txt");
        File.WriteAllText(file, "x");

        var error = Assert.Throws<IOException>(() => DirectoryHandle.Open(file));

        Assert.Equal($"Cannot open the directory '{file}': Not a directory.", error.Message);
        Assert.Null(DirectoryHandle.TryOpen(file));
    }

    [Fact]
    public void Opening_a_missing_directory_names_it()
    {
        string missing = _dir.File("missing");

        var error = Assert.Throws<DirectoryNotFoundException>(() => DirectoryHandle.Open(missing));

        Assert.Equal($"Cannot open the directory '{missing}': No such file or directory.", error.Message);
    }

    [Fact]
    public void A_file_system_that_cannot_sync_directories_is_accepted()
    {
        // procfs answers fsync with EINVAL, the answer of file systems without directory sync.
        using DirectoryHandle proc = DirectoryHandle.Open("/proc");

        proc.Flush();
    }

    [Fact]
    public void An_exclusive_lock_excludes_other_holders_even_in_the_same_process()
    {
        using DirectoryHandle first = DirectoryHandle.Open(_dir.Path);
        using DirectoryHandle second = DirectoryHandle.Open(_dir.Path);
        using var released = new ManualResetEventSlim();
        bool acquiredWhileHeld = false;

        Thread other;
        using (first.LockExclusive())
        {
            other = new Thread(() =>
            {
                using (second.LockShared())
                {
                    acquiredWhileHeld = !released.IsSet;
                }
            });
            other.Start();

            // Give the other thread every chance to (wrongly) get in; it must wait for the release below.
            Assert.False(other.Join(TimeSpan.FromMilliseconds(200)));
            released.Set();
        }

        other.Join();
        Assert.False(acquiredWhileHeld);
    }
}
