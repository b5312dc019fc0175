using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.IO.Internal;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

/// <summary>
/// Recover on the exact states a writer killed at each step leaves on disk (the kill -9 tests reach them at random;
/// these reach each one for certain).
/// </summary>
public sealed class AtomicFileRecoverTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Killed_between_the_two_renames_the_new_file_is_not_condemned_Recover_installs_its_marker()
    {
        string path = _dir.File("report.json");
        AtomicFile.WriteAllText(path, "old");
        byte[] fresh = "new content"u8.ToArray();
        // The state after the data rename and before the marker rename: new data, old marker, marker temp of the new data.
        File.WriteAllBytes(path, fresh);
        string markerTemp = WriteMarkerTemp(path, fresh, "0123456789abcdef");
        Assert.Equal($"'{path}' is 11 bytes but its .ok marker says 3.", AtomicFile.Verify(path).Error);

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.Equal([path], result.Completed);
        Assert.Empty(result.RolledBack);
        Assert.Empty(result.Deleted);
        Assert.True(result.ChangedAnything);
        AtomicVerifyResult verify = AtomicFile.Verify(path);
        Assert.True(verify.IsValid, verify.Error);
        Assert.Equal(Sha(fresh), verify.Sha256);
        Assert.False(File.Exists(markerTemp));
        Assert.Equal(["report.json", "report.json.ok"], _dir.FileNames());
    }

    [Fact]
    public void Killed_between_the_renames_of_a_first_write_Recover_installs_the_missing_marker()
    {
        string path = _dir.File("first.bin");
        byte[] content = RandomNumberGenerator.GetBytes(5000);
        File.WriteAllBytes(path, content);
        WriteMarkerTemp(path, content, "fedcba9876543210");

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.Equal([path], result.Completed);
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal(["first.bin", "first.bin.ok"], _dir.FileNames());
    }

    [Fact]
    public void Killed_before_the_renames_Recover_deletes_the_temp_files_and_the_old_pair_stays_valid()
    {
        string path = _dir.File("state.txt");
        AtomicWriteResult old = AtomicFile.WriteAllText(path, "old");
        byte[] partial = new byte[777];
        string dataTemp = _dir.File(TempFileName.ForData("state.txt", "00000000000000aa"));
        File.WriteAllBytes(dataTemp, partial);
        string markerTemp = WriteMarkerTemp(path, RandomNumberGenerator.GetBytes(2000), "00000000000000aa");

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.Empty(result.Completed);
        Assert.Equal([path], result.RolledBack);
        Assert.Equal([markerTemp, dataTemp], result.Deleted);
        Assert.Equal(old.Sha256, AtomicFile.Verify(path).Sha256);
        Assert.Equal(["state.txt", "state.txt.ok"], _dir.FileNames());
        Assert.Equal($"{_dir.Path}: 0 completed, 1 rolled back, 2 temp files deleted, 0 in use", result.ToString());
    }

    [Fact]
    public void An_empty_or_foreign_marker_temp_is_deleted_not_installed()
    {
        string path = _dir.File("a.txt");
        AtomicFile.WriteAllText(path, "a");
        string empty = _dir.File(TempFileName.ForMarker("a.txt", "1111111111111111"));
        File.WriteAllBytes(empty, []);
        // Describes a.txt's bytes, but claims a file in another directory: never trusted.
        string foreign = _dir.File(TempFileName.ForMarker("a.txt", "2222222222222222"));
        File.WriteAllBytes(foreign, new OkMarker { Sha256 = Sha("a"u8.ToArray()), Size = 1, Timestamp = DateTimeOffset.UnixEpoch, Path = "/elsewhere/a.txt" }.ToUtf8Json());

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.Empty(result.Completed);
        Assert.Equal([empty, foreign], result.Deleted.Order(StringComparer.Ordinal));
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal(["a.txt", "a.txt.ok"], _dir.FileNames());
    }

    [Fact]
    public void A_marker_whose_data_rename_was_lost_gets_its_data_rolled_forward()
    {
        // A file system that kept the marker rename but not the data rename: old data, new marker, new data still in its temp.
        string path = _dir.File("reordered.bin");
        AtomicFile.WriteAllText(path, "old");
        byte[] fresh = RandomNumberGenerator.GetBytes(4096);
        File.WriteAllBytes(path + ".ok", Marker(path, fresh).ToUtf8Json());
        string dataTemp = _dir.File(TempFileName.ForData("reordered.bin", "3333333333333333"));
        File.WriteAllBytes(dataTemp, fresh);

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.Equal([path], result.Completed);
        Assert.Equal(fresh, File.ReadAllBytes(path));
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal(["reordered.bin", "reordered.bin.ok"], _dir.FileNames());
    }

    [Fact]
    public void A_data_temp_of_the_right_size_but_other_bytes_is_deleted()
    {
        string path = _dir.File("x.bin");
        byte[] fresh = RandomNumberGenerator.GetBytes(100);
        File.WriteAllBytes(path, "old"u8.ToArray());
        File.WriteAllBytes(path + ".ok", Marker(path, fresh).ToUtf8Json());
        string dataTemp = _dir.File(TempFileName.ForData("x.bin", "4444444444444444"));
        File.WriteAllBytes(dataTemp, new byte[100]);

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.Empty(result.Completed);
        Assert.Equal([dataTemp], result.Deleted);
        Assert.Equal("old"u8.ToArray(), File.ReadAllBytes(path));
        Assert.False(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public void Temp_files_of_a_writer_that_is_still_running_are_left_alone()
    {
        string path = _dir.File("live.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] content = "written while Recover runs"u8.ToArray();
        using (AtomicWriteSession live = AtomicWriteSession.Begin(path, options: null, bufferSize: 0, CancellationToken.None))
        {
            live.Data.Write(content);

            AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

            Assert.Equal(2, result.InUse.Count);
            Assert.Empty(result.Deleted);
            Assert.False(result.ChangedAnything);
            Assert.Equal(4, _dir.FileNames().Length);
            live.Commit(Sha(content), content.Length, CancellationToken.None);
        }

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal(["live.txt", "live.txt.ok"], _dir.FileNames());
    }

    [Fact]
    public void Files_that_only_look_like_temp_files_are_not_touched()
    {
        string[] names = [".notes.tmp", "x.0123456789abcdef.tmp", ".x.0123456789ABCDEF.tmp", ".x.012345.tmp", "data.tmp"];
        foreach (string name in names)
        {
            File.WriteAllText(_dir.File(name), name);
        }

        AtomicRecoveryResult result = AtomicFile.Recover(_dir.Path);

        Assert.False(result.ChangedAnything);
        Assert.Equal(names.Order(StringComparer.Ordinal), _dir.FileNames());
    }

    [Fact]
    public void Recover_of_all_directories_reaches_subdirectories_and_the_default_does_not()
    {
        string nested = Directory.CreateDirectory(Path.Combine(_dir.Path, "a", "b")).FullName;
        string temp = Path.Combine(nested, TempFileName.ForData("deep.txt", "5555555555555555"));
        File.WriteAllText(temp, "partial");

        AtomicRecoveryResult top = AtomicFile.Recover(_dir.Path);
        Assert.True(File.Exists(temp));
        AtomicRecoveryResult all = AtomicFile.Recover(_dir.Path, SearchOption.AllDirectories);

        Assert.Empty(top.Deleted);
        Assert.Equal([temp], all.Deleted);
        Assert.Equal([Path.Combine(nested, "deep.txt")], all.RolledBack);
        Assert.False(File.Exists(temp));
    }

    [Fact]
    public void Recover_twice_does_nothing_the_second_time()
    {
        File.WriteAllText(_dir.File(TempFileName.ForData("y.txt", "6666666666666666")), "partial");

        AtomicRecoveryResult first = AtomicFile.Recover(_dir.Path + "/");
        AtomicRecoveryResult second = AtomicFile.Recover(_dir.Path);

        Assert.Equal(_dir.Path, first.Directory);
        Assert.Single(first.Deleted);
        Assert.False(second.ChangedAnything);
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void Bad_directories_are_clear_errors()
    {
        string file = _dir.File("file.txt");
        File.WriteAllText(file, "x");
        string missing = _dir.File("missing");

        Assert.Equal("The directory path is empty. (Parameter 'directory')", Assert.Throws<ArgumentException>(() => AtomicFile.Recover(" ")).Message);
        Assert.Throws<ArgumentNullException>(() => AtomicFile.Recover(null!));
        Assert.Equal($"The path '{file}' is a file, not a directory. (Parameter 'directory')", Assert.Throws<ArgumentException>(() => AtomicFile.Recover(file)).Message);
        Assert.Equal($"Cannot recover '{missing}': the directory does not exist.", Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.Recover(missing)).Message);
    }

    [Theory]
    [InlineData("a.txt")]
    [InlineData("x.0123456789abcdef.ok")]
    [InlineData(".hidden")]
    public void Temp_names_are_recognised_with_their_target_and_kind(string target)
    {
        Assert.True(TempFileName.TryParse(TempFileName.ForData(target, "0123456789abcdef"), out string? dataTarget, out bool dataIsMarker));
        Assert.True(TempFileName.TryParse(TempFileName.ForMarker(target, "fedcba9876543210"), out string? markerTarget, out bool markerIsMarker));

        Assert.Equal(target, dataTarget);
        Assert.False(dataIsMarker);
        Assert.Equal(target, markerTarget);
        Assert.True(markerIsMarker);
        Assert.StartsWith(".", TempFileName.ForData(target, TempFileName.NewToken()), StringComparison.Ordinal);
    }

    private static string Sha(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static OkMarker Marker(string path, byte[] content) =>
        new() { Sha256 = Sha(content), Size = content.Length, Timestamp = DateTimeOffset.UtcNow, Path = path };

    private string WriteMarkerTemp(string path, byte[] content, string token)
    {
        string temp = _dir.File(TempFileName.ForMarker(Path.GetFileName(path), token));
        File.WriteAllBytes(temp, Marker(path, content).ToUtf8Json());
        return temp;
    }
}
