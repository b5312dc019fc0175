using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>A real full disk: a 1 MiB tmpfs (root only, as in CI). A failed write must leave no trace.</summary>
public sealed class AtomicFileNoSpaceTests
{
    private const string Why = "a real out-of-space error needs a 1 MiB tmpfs, and only root can mount one";

    [RootFact(Why)]
    public void A_write_larger_than_the_free_space_fails_with_a_clear_IOException_and_changes_nothing()
    {
        using var disk = new TmpfsMount("1m");
        string path = disk.File("artifact.bin");
        AtomicWriteResult old = AtomicFile.WriteAllBytes(path, RandomNumberGenerator.GetBytes(100_000));
        byte[] oldMarker = File.ReadAllBytes(old.OkMarkerPath);
        long freeBefore = new DriveInfo(disk.Path).AvailableFreeSpace;

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(path, new byte[2 * 1024 * 1024]));

        AssertCleanFailure(disk, path, old, oldMarker, freeBefore, error);
    }

    [RootFact(Why)]
    public async Task A_streamed_write_that_runs_out_of_space_fails_cleanly()
    {
        using var disk = new TmpfsMount("1m");
        string path = disk.File("artifact.bin");
        AtomicWriteResult old = await AtomicFile.WriteAllTextAsync(path, "the old content");
        byte[] oldMarker = File.ReadAllBytes(old.OkMarkerPath);
        long freeBefore = new DriveInfo(disk.Path).AvailableFreeSpace;

        var error = await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 32; i++)
            {
                await stream.WriteAsync(chunk, ct);
            }
        }));

        AssertCleanFailure(disk, path, old, oldMarker, freeBefore, error);
    }

    [RootFact(Why)]
    public void When_the_data_fits_but_the_marker_does_not_the_data_temp_is_removed_too()
    {
        using var disk = new TmpfsMount("1m");
        string path = disk.File("artifact.bin");
        AtomicWriteResult old = AtomicFile.WriteAllText(path, "old");
        byte[] oldMarker = File.ReadAllBytes(old.OkMarkerPath);
        long freeBefore = new DriveInfo(disk.Path).AvailableFreeSpace;

        // Exactly the free space: the data temp fills the disk, the marker temp has no page left.
        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(path, new byte[freeBefore]));

        AssertCleanFailure(disk, path, old, oldMarker, freeBefore, error);
    }

    private static void AssertCleanFailure(TmpfsMount disk, string path, AtomicWriteResult old, byte[] oldMarker, long freeBefore, IOException error)
    {
        Assert.StartsWith($"Could not write '{path}' atomically: No space left on device", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("The previous content and its .ok marker were left unchanged.", error.Message, StringComparison.Ordinal);
        Assert.Equal(28, error.HResult); // ENOSPC, so a caller can tell a full disk from other I/O errors.
        Assert.Equal(oldMarker, File.ReadAllBytes(old.OkMarkerPath));
        AtomicVerifyResult verify = AtomicFile.Verify(path);
        Assert.True(verify.IsValid, verify.Error);
        Assert.Equal(old.Sha256, verify.Sha256);
        Assert.Equal(
            ["artifact.bin", "artifact.bin.ok"],
            Directory.EnumerateFiles(disk.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(freeBefore, new DriveInfo(disk.Path).AvailableFreeSpace);
    }
}
