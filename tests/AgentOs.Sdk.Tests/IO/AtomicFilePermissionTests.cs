using System.Diagnostics;
using System.Runtime.Versioning;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>
/// Permission and read-only failures, for real. Root bypasses permission checks, so those writes run in a TestHost
/// child dropped to user nobody with setpriv; the read-only file system is a tmpfs remounted read-only.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class AtomicFilePermissionTests : IDisposable
{
    private const string WhyNobody = "root ignores permissions, so the write runs as user nobody, which only root can switch to";
    private const UnixFileMode ReadOnlyDirectory =
        UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        File.SetUnixFileMode(_dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _dir.Dispose();
    }

    [RootFact(WhyNobody)]
    public void A_read_only_directory_is_a_clear_UnauthorizedAccessException_and_nothing_changes()
    {
        string path = _dir.File("artifact.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] marker = File.ReadAllBytes(path + ".ok");
        File.SetUnixFileMode(_dir.Path, ReadOnlyDirectory);

        (int exitCode, string message) = WriteAsNobody(path, "new");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"System.UnauthorizedAccessException: Could not write '{path}' atomically: Access to the path ", message, StringComparison.Ordinal);
        Assert.EndsWith("is denied. The previous content and its .ok marker were left unchanged.", message, StringComparison.Ordinal);
        AssertUnchanged(path, "old", marker);
    }

    [RootFact(WhyNobody)]
    public void No_permission_to_create_the_parent_directory_is_a_clear_error()
    {
        File.SetUnixFileMode(_dir.Path, ReadOnlyDirectory);
        string path = Path.Combine(_dir.Path, "new", "artifact.txt");

        (int exitCode, string message) = WriteAsNobody(path, "x");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"System.UnauthorizedAccessException: Could not write '{path}' atomically: Access to the path ", message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [RootFact(WhyNobody)]
    public void A_rename_refused_at_the_last_step_removes_the_temp_files_and_keeps_the_old_pair()
    {
        // A sticky, world-writable directory (like /tmp): nobody may create files in it, but not replace root's file.
        // So the write gets all the way to the rename, and only then fails.
        string path = _dir.File("artifact.txt");
        AtomicFile.WriteAllText(path, "root's content");
        byte[] marker = File.ReadAllBytes(path + ".ok");
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b1_111_111_111); // 1777

        (int exitCode, string message) = WriteAsNobody(path, "nobody's content");

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"System.UnauthorizedAccessException: Could not write '{path}' atomically: ", message, StringComparison.Ordinal);
        Assert.EndsWith("The previous content and its .ok marker were left unchanged.", message, StringComparison.Ordinal);
        AssertUnchanged(path, "root's content", marker);
    }

    [RootFact("a read-only file system needs a tmpfs remounted read-only, and only root can mount")]
    public void A_read_only_file_system_is_a_clear_IOException_and_nothing_changes()
    {
        using var disk = new TmpfsMount("1m");
        string path = disk.File("artifact.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] marker = File.ReadAllBytes(path + ".ok");
        disk.Remount(readOnly: true);
        try
        {
            var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "new"));

            Assert.StartsWith($"Could not write '{path}' atomically: Read-only file system", error.Message, StringComparison.Ordinal);
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Equal(marker, File.ReadAllBytes(path + ".ok"));
            Assert.True(AtomicFile.Verify(path).IsValid);
            Assert.Equal(2, Directory.EnumerateFiles(disk.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Count());
        }
        finally
        {
            disk.Remount(readOnly: false);
        }
    }

    private static (int ExitCode, string Message) WriteAsNobody(string path, string text)
    {
        using Process child = TestHostProcess.StartAs(TestHostProcess.NobodyId, TestHostModes.AtomicWriteOnce, path, text);
        string output = child.StandardOutput.ReadToEnd().Trim();
        string errors = child.StandardError.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode is 0 or 2, $"the child failed to run ({child.ExitCode}): {output} {errors}");
        return (child.ExitCode, output);
    }

    private void AssertUnchanged(string path, string content, byte[] marker)
    {
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Equal(marker, File.ReadAllBytes(path + ".ok"));
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal([Path.GetFileName(path), Path.GetFileName(path) + ".ok"], _dir.FileNames());
    }
}
