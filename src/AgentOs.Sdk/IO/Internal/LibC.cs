using System.Runtime.InteropServices;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// The few libc calls .NET does not expose: opening a directory (to fsync it and to take an advisory lock on it)
/// and <c>flock</c> on an arbitrary descriptor. Constants differ per OS and CPU, so they are resolved here once.
/// </summary>
internal static partial class LibC
{
    private const string Library = "libc";

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    public const int EINTR = 4;
    public const int EINVAL = 22;

    /// <summary>True where these calls exist (Linux, macOS, FreeBSD); false on Windows.</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary><c>O_RDONLY | O_DIRECTORY | O_CLOEXEC</c> for this OS and CPU (O_RDONLY is 0 everywhere).</summary>
    public static int OpenDirectoryFlags { get; } = ComputeOpenDirectoryFlags();

    /// <summary><c>ENOTSUP</c> / <c>EOPNOTSUPP</c>: a file system that cannot sync a directory says so with these.</summary>
    public static bool IsNotSupported(int errno) =>
        OperatingSystem.IsLinux() ? errno == 95 : errno is 45 or 102;

    /// <summary><c>EWOULDBLOCK</c> (same value as <c>EAGAIN</c>): a non-blocking <c>flock</c> found the lock taken.</summary>
    public static bool IsWouldBlock(int errno) =>
        OperatingSystem.IsLinux() ? errno == 11 : errno == 35;

    /// <summary><c>open(2)</c>: a descriptor (a C <c>int</c>, so not marshalled straight into a 64-bit handle), or -1.</summary>
    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(SafeHandle fd);

    [LibraryImport(Library, EntryPoint = "flock", SetLastError = true)]
    public static partial int FLock(SafeHandle fd, int operation);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeHandle fd, long offset, long count, uint flags);

    /// <summary>
    /// Linux <c>sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)</c>: starts the writeback of the file's dirty pages and
    /// returns without waiting. A hint, never a durability step (it syncs no metadata): its result is ignored, because a
    /// writeback error stays recorded on the file and the fsync that must follow reports it. Elsewhere a no-op.
    /// </summary>
    public static void StartWriteback(SafeHandle file)
    {
        if (OperatingSystem.IsLinux())
        {
            const uint SyncFileRangeWrite = 2;
            _ = SyncFileRange(file, 0, 0, SyncFileRangeWrite);
        }
    }

    /// <summary>The text of an errno value, for exception messages (strerror).</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static int ComputeOpenDirectoryFlags()
    {
        if (OperatingSystem.IsLinux())
        {
            // O_DIRECTORY is 0x4000 on ARM and PowerPC and 0x10000 on x86, RISC-V, s390x and LoongArch; O_CLOEXEC is 0x80000.
            int directory = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le
                ? 0x4000
                : 0x10000;
            return directory | 0x80000;
        }

        if (OperatingSystem.IsMacOS())
        {
            return 0x100000 | 0x1000000;
        }

        // FreeBSD.
        return 0x20000 | 0x100000;
    }
}
