using System.Runtime.InteropServices;
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
        using DirectoryHandle holder = DirectoryHandle.Open(_dir.Path);
        using var other = new SafeDirectoryHandle(LibC.Open(_dir.Path, LibC.OpenDirectoryFlags));

        using (holder.LockExclusive())
        {
            // flock belongs to the open file description, so a second descriptor of this same process is refused.
            Assert.Equal(-1, LibC.FLock(other, LibC.LOCK_SH | LibC.LOCK_NB));
            Assert.True(LibC.IsWouldBlock(Marshal.GetLastPInvokeError()));
        }

        Assert.Equal(0, LibC.FLock(other, LibC.LOCK_EX | LibC.LOCK_NB));
    }

    [Fact]
    public void Shared_locks_coexist_and_keep_an_exclusive_one_out()
    {
        using DirectoryHandle reader = DirectoryHandle.Open(_dir.Path);
        using var other = new SafeDirectoryHandle(LibC.Open(_dir.Path, LibC.OpenDirectoryFlags));

        using (reader.LockShared())
        {
            Assert.Equal(0, LibC.FLock(other, LibC.LOCK_SH | LibC.LOCK_NB));
            Assert.Equal(-1, LibC.FLock(other, LibC.LOCK_EX | LibC.LOCK_NB));
        }
    }
}
