using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

/// <summary><see cref="AtomicBatch"/>: several files with shared syncs, each atomic and verifiable on its own.</summary>
public sealed class AtomicBatchTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Commit_writes_every_file_with_a_marker_that_verifies_in_the_order_added()
    {
        string report = _dir.File("report.md");
        string data = _dir.File("data.bin");
        string nested = _dir.File(Path.Combine("sub", "deeper", "state.json"));
        AtomicFile.WriteAllText(report, "the old report");
        byte[] bytes = RandomNumberGenerator.GetBytes(300_000); // above the size hashed on another core
        var batch = new AtomicBatch()
            .AddText(report, "the new report")
            .Add(data, bytes)
            .AddJson(nested, new Dictionary<string, int> { ["step"] = 3 }, AtomicBatchTestsJsonContext.Default.DictionaryStringInt32);

        IReadOnlyList<AtomicWriteResult> results = batch.Commit();

        Assert.Equal(3, batch.Count);
        Assert.Equal([report, data, nested], results.Select(r => r.Path));
        Assert.Equal("the new report", File.ReadAllText(report));
        Assert.Equal(bytes, File.ReadAllBytes(data));
        Assert.Equal("""{"step":3}""", File.ReadAllText(nested));
        foreach (AtomicWriteResult result in results)
        {
            AtomicVerifyResult verified = AtomicFile.Verify(result.Path);
            Assert.True(verified.IsValid, verified.Error);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(result.Path))), result.Sha256);
            Assert.Equal(result.Sha256, verified.Sha256);
            Assert.Equal(result.Path + ".ok", result.OkMarkerPath);
        }

        Assert.Equal(["data.bin", "data.bin.ok", "report.md", "report.md.ok"], _dir.FileNames());
        Assert.Equal(["state.json", "state.json.ok"], Directory.GetFiles(Path.GetDirectoryName(nested)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CommitAsync_writes_the_same_files_as_Commit()
    {
        string a = _dir.File("a.txt");
        string b = _dir.File("b.txt");

        IReadOnlyList<AtomicWriteResult> results = await new AtomicBatch().AddText(a, "alpha").AddText(b, "beta", Encoding.UTF8).CommitAsync();

        Assert.Equal(2, results.Count);
        Assert.Equal("alpha", File.ReadAllText(a));
        Assert.Equal([0xEF, 0xBB, 0xBF, (byte)'b'], File.ReadAllBytes(b)[..4]); // the encoding's preamble, as WriteAllText writes it
        Assert.All(results, r => Assert.True(AtomicFile.Verify(r.Path).IsValid));
    }

    [Fact]
    public void An_empty_batch_commits_to_nothing()
    {
        Assert.Empty(new AtomicBatch().Commit());
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void The_same_path_twice_is_an_ArgumentException_naming_it()
    {
        string path = _dir.File("a.txt");
        var batch = new AtomicBatch().AddText(path, "one");

        var error = Assert.Throws<ArgumentException>(() => batch.AddText(Path.Combine(_dir.Path, ".", "a.txt"), "two"));

        Assert.Equal("path", error.ParamName);
        Assert.Equal($"The path '{path}' is already in this batch; a batch writes each file once. (Parameter 'path')", error.Message);
        Assert.Equal(1, batch.Count);
    }

    [Fact]
    public void A_file_and_its_own_marker_path_in_one_batch_are_refused_in_either_order()
    {
        string path = _dir.File("a.txt");

        var markerSecond = Assert.Throws<ArgumentException>(() => new AtomicBatch().AddText(path, "x").AddText(path + ".ok", "y"));
        var markerFirst = Assert.Throws<ArgumentException>(() => new AtomicBatch().AddText(path + ".ok", "y").AddText(path, "x"));

        Assert.Contains($"'{path}.ok' is the .ok marker of '{path}'", markerSecond.Message, StringComparison.Ordinal);
        Assert.Contains($"'{path}.ok' in this batch would be overwritten by the .ok marker of '{path}'", markerFirst.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_and_directory_paths_are_refused_when_added()
    {
        string directory = Directory.CreateDirectory(_dir.File("folder")).FullName;
        var batch = new AtomicBatch();

        Assert.Equal("The path is empty. (Parameter 'path')", Assert.Throws<ArgumentException>(() => batch.Add(" ", [1])).Message);
        Assert.Equal(
            $"The path '{directory}' is a directory, not a file. (Parameter 'path')",
            Assert.Throws<ArgumentException>(() => batch.Add(directory, [1])).Message);
        Assert.Throws<ArgumentNullException>(() => batch.Add(_dir.File("x"), (byte[])null!));
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void A_batch_commits_once()
    {
        var batch = new AtomicBatch().AddText(_dir.File("a.txt"), "x");
        batch.Commit();

        var again = Assert.Throws<InvalidOperationException>(() => batch.Commit());
        Assert.Throws<InvalidOperationException>(() => batch.AddText(_dir.File("b.txt"), "y"));

        Assert.Contains("already committed", again.Message, StringComparison.Ordinal);
        Assert.Equal(["a.txt", "a.txt.ok"], _dir.FileNames());
    }

    [Fact]
    public async Task A_cancelled_batch_changes_nothing_and_can_still_be_committed()
    {
        string a = _dir.File("a.txt");
        AtomicFile.WriteAllText(a, "old");
        var batch = new AtomicBatch().AddText(a, "new").AddText(_dir.File("b.txt"), "b");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch.CommitAsync(cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => batch.Commit(cancelled.Token));

        Assert.Equal("old", File.ReadAllText(a));
        Assert.Equal(["a.txt", "a.txt.ok"], _dir.FileNames());
        batch.Commit();
        Assert.Equal("new", File.ReadAllText(a));
    }

    [Fact]
    public void A_file_that_cannot_be_created_fails_the_batch_before_any_rename_and_leaves_no_temp_file()
    {
        string a = _dir.File("a.txt");
        AtomicFile.WriteAllText(a, "old a");
        File.WriteAllText(_dir.File("blocker"), "a file where the batch needs a directory");
        string impossible = _dir.File(Path.Combine("blocker", "c.txt"));
        var batch = new AtomicBatch().AddText(a, "new a").AddText(_dir.File("b.txt"), "new b").AddText(impossible, "c");

        var error = Assert.ThrowsAny<IOException>(() => batch.Commit());

        Assert.StartsWith($"Could not write '{impossible}' in an atomic batch: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("No file of the batch of 3 was changed.", error.Message, StringComparison.Ordinal);
        Assert.Equal("old a", File.ReadAllText(a));
        Assert.True(AtomicFile.Verify(a).IsValid);
        Assert.Equal(["a.txt", "a.txt.ok", "blocker"], _dir.FileNames());
    }

    [Fact]
    public void A_marker_path_taken_by_a_directory_fails_at_its_rename_and_says_which_files_were_replaced()
    {
        string a = _dir.File("a.txt");
        string b = _dir.File("b.txt");
        string c = _dir.File("c.txt");
        AtomicFile.WriteAllText(b, "old b");
        File.Delete(b + ".ok");
        Directory.CreateDirectory(b + ".ok");

        var error = Assert.Throws<IOException>(() => new AtomicBatch().AddText(a, "new a").AddText(b, "new b").AddText(c, "new c").Commit());

        Assert.StartsWith($"Could not write '{b}' in an atomic batch: The marker path '{b}.ok' is a directory.", error.Message, StringComparison.Ordinal);
        Assert.Contains($"1 of the batch's 3 files were already replaced ('{a}')", error.Message, StringComparison.Ordinal);
        Assert.Equal("new a", File.ReadAllText(a));
        Assert.True(AtomicFile.Verify(a).IsValid);
        Assert.Equal("old b", File.ReadAllText(b));
        Assert.False(File.Exists(c));
        Assert.Equal(["a.txt", "a.txt.ok", "b.txt"], _dir.FileNames());
    }

    [RootFact("a real out-of-space error needs a 1 MiB tmpfs, and only root can mount one")]
    public void A_batch_that_runs_out_of_space_fails_cleanly_and_gives_the_space_back()
    {
        using var disk = new TmpfsMount("1m");
        string a = disk.File("a.bin");
        AtomicWriteResult old = AtomicFile.WriteAllBytes(a, RandomNumberGenerator.GetBytes(100_000));
        byte[] oldMarker = File.ReadAllBytes(old.OkMarkerPath);
        long freeBefore = new DriveInfo(disk.Path).AvailableFreeSpace;

        var error = Assert.Throws<IOException>(() => new AtomicBatch()
            .Add(a, new byte[400 * 1024])
            .Add(disk.File("b.bin"), new byte[400 * 1024])
            .Add(disk.File("c.bin"), new byte[400 * 1024])
            .Commit());

        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("No file of the batch of 3 was changed.", error.Message, StringComparison.Ordinal);
        Assert.Equal(28, error.HResult);
        Assert.Equal(oldMarker, File.ReadAllBytes(old.OkMarkerPath));
        Assert.True(AtomicFile.Verify(a).IsValid);
        Assert.Equal(
            ["a.bin", "a.bin.ok"],
            Directory.EnumerateFiles(disk.Path, "*", new EnumerationOptions { AttributesToSkip = 0 }).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(freeBefore, new DriveInfo(disk.Path).AvailableFreeSpace);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class AtomicBatchTestsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
