using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// The flock a writer holds on its own temp files while it lives: <c>Recover</c> deletes only temp files whose lock
/// it can take, so it never removes the temp file of a writer that is still running. The kernel drops the lock when
/// the writer dies, even by SIGKILL, which is exactly when its temp files become orphans.
/// </summary>
internal static class TempFileLock
{
    /// <summary>Takes a shared lock (compatible with readers) on a temp file this writer just created.</summary>
    public static void Hold(SafeFileHandle file, string path)
    {
        if (!LibC.IsSupported)
        {
            return;
        }

        while (LibC.FLock(file, LibC.LOCK_SH) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw Errors.FromErrno(errno, $"Cannot lock the temp file '{path}'");
            }
        }
    }

    /// <summary>Tries to take an exclusive lock without waiting; false when a live writer still holds the file.</summary>
    public static bool TryTakeOver(SafeFileHandle file, string path)
    {
        if (!LibC.IsSupported)
        {
            return true;
        }

        while (LibC.FLock(file, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (LibC.IsWouldBlock(errno))
            {
                return false;
            }

            if (errno != LibC.EINTR)
            {
                throw Errors.FromErrno(errno, $"Cannot lock the temp file '{path}'");
            }
        }

        return true;
    }
}
