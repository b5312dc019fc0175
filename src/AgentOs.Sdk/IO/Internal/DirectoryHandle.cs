using System.Runtime.InteropServices;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// An open descriptor on a directory, used for two things .NET has no API for:
/// <list type="bullet">
/// <item><see cref="Flush"/>: fsync the directory, so that a rename inside it survives power loss (POSIX makes
/// the rename durable only when the directory itself is synced).</item>
/// <item><see cref="LockShared"/> / <see cref="LockExclusive"/>: an advisory <c>flock</c> on the directory that
/// every AtomicFile writer, <c>Verify</c> and <c>Recover</c> take around the few instants where they must see or
/// change a (target, marker) pair as one unit. Nothing is written to disk for it, so there is no lock file to leave
/// behind, and the kernel drops it when a holder dies, even by SIGKILL.</item>
/// </list>
/// On Windows there is no libc: the handle is inert (no lock, no directory sync).
/// </summary>
internal sealed class DirectoryHandle : IDisposable
{
    private readonly SafeDirectoryHandle? _fd;

    private DirectoryHandle(string path, SafeDirectoryHandle? fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="directory"/>; throws an exception that names it when that fails.</summary>
    public static DirectoryHandle Open(string directory)
    {
        if (!LibC.IsSupported)
        {
            return new DirectoryHandle(directory, null);
        }

        SafeDirectoryHandle fd = LibC.Open(directory, LibC.OpenDirectoryFlags);
        if (fd.IsInvalid)
        {
            int errno = Marshal.GetLastPInvokeError();
            fd.Dispose();
            throw Errors.FromErrno(errno, $"Cannot open the directory '{directory}'");
        }

        return new DirectoryHandle(directory, fd);
    }

    /// <summary>Opens <paramref name="directory"/>, or returns null when it cannot be opened (for best-effort readers).</summary>
    public static DirectoryHandle? TryOpen(string directory)
    {
        try
        {
            return Open(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Takes the directory lock shared (blocks while an exclusive holder is inside).</summary>
    public Scope LockShared() => Lock(LibC.LOCK_SH);

    /// <summary>Takes the directory lock exclusive (blocks while any other holder is inside).</summary>
    public Scope LockExclusive() => Lock(LibC.LOCK_EX);

    /// <summary>
    /// fsyncs the directory so that creations, renames and deletions inside it are on stable storage.
    /// A file system that cannot sync directories (EINVAL, ENOTSUP) is accepted; any other error throws.
    /// </summary>
    public void Flush()
    {
        if (_fd is null)
        {
            return;
        }

        while (LibC.FSync(_fd) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }

            if (errno == LibC.EINVAL || LibC.IsNotSupported(errno))
            {
                return;
            }

            throw Errors.FromErrno(errno, $"Cannot fsync the directory '{Path}'");
        }
    }

    public void Dispose() => _fd?.Dispose();

    private Scope Lock(int operation)
    {
        if (_fd is null)
        {
            return default;
        }

        while (LibC.FLock(_fd, operation) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw Errors.FromErrno(errno, $"Cannot lock the directory '{Path}'");
            }
        }

        return new Scope(_fd);
    }

    /// <summary>Releases the lock taken by <see cref="LockShared"/> or <see cref="LockExclusive"/>.</summary>
    internal readonly struct Scope(SafeDirectoryHandle? fd) : IDisposable
    {
        public void Dispose()
        {
            if (fd is not null)
            {
                // Unlocking cannot fail on a valid descriptor; closing the descriptor would release it anyway.
                _ = LibC.FLock(fd, LibC.LOCK_UN);
            }
        }
    }
}
