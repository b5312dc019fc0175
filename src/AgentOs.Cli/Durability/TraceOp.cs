using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentOs.Cli.Durability;

/// <summary>What a recorded system call did to the directory under test, reduced to what a crash can keep or lose.</summary>
internal enum TraceOpKind
{
    /// <summary>A new name for a new file (open with O_CREAT of a name that did not exist).</summary>
    Create,

    /// <summary>Bytes written at an offset of a file (write, pwrite64, pwritev).</summary>
    Write,

    /// <summary>A file's length set (O_TRUNC, ftruncate).</summary>
    Truncate,

    /// <summary>A name moved over another (rename, renameat, renameat2).</summary>
    Rename,

    /// <summary>A name removed (unlink, unlinkat).</summary>
    Unlink,

    /// <summary>fsync or fdatasync of a file.</summary>
    FileSync,

    /// <summary>fsync of the directory itself.</summary>
    DirectorySync,
}

/// <summary>
/// One recorded operation on the directory under test. Files are named by an inode number the parser gives them, so
/// that a write still lands in the right file when the name it was opened under has been renamed or lost.
/// </summary>
internal sealed partial record TraceOp(int Index, TraceOpKind Kind, int Inode, string? Name = null, string? NewName = null, long Offset = 0, byte[]? Bytes = null, long Length = 0)
{
    /// <summary>Directory entries: durable only by an fsync of the directory (POSIX), journaled in order (ext4).</summary>
    public bool IsNameOp => Kind is TraceOpKind.Create or TraceOpKind.Rename or TraceOpKind.Unlink;

    /// <summary>A file's content or length: durable by an fsync of that file.</summary>
    public bool IsDataOp => Kind is TraceOpKind.Write or TraceOpKind.Truncate;

    public bool IsSync => Kind is TraceOpKind.FileSync or TraceOpKind.DirectorySync;

    /// <summary>A compact description, with the random token of temp names shown as <c>*</c> so that reports compare across runs.</summary>
    public string Describe(Func<int, string> inodeName) => Kind switch
    {
        TraceOpKind.Create => $"#{Index} create {Short(Name)}",
        TraceOpKind.Write => string.Create(CultureInfo.InvariantCulture, $"#{Index} write {inodeName(Inode)} [{Offset},{Offset + Bytes!.Length})"),
        TraceOpKind.Truncate => string.Create(CultureInfo.InvariantCulture, $"#{Index} truncate {inodeName(Inode)} to {Length}"),
        TraceOpKind.Rename => $"#{Index} rename {Short(Name)} -> {Short(NewName)}",
        TraceOpKind.Unlink => $"#{Index} unlink {Short(Name)}",
        TraceOpKind.FileSync => $"#{Index} fsync {inodeName(Inode)}",
        _ => $"#{Index} fsync directory",
    };

    public static string Short(string? name) => name is null ? "?" : Token().Replace(name, ".*.");

    [GeneratedRegex(@"\.[0-9a-f]{16}\.", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
