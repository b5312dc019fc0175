using System.Text;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

public sealed class AtomicFileWriteErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_path_is_an_ArgumentException(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.Equal("path", error.ParamName);
        Assert.Equal("The path is empty. (Parameter 'path')", error.Message);
    }

    [Fact]
    public void A_null_path_is_an_ArgumentNullException()
    {
        var error = Assert.Throws<ArgumentNullException>(() => AtomicFile.WriteAllBytes(null!, [1]));

        Assert.Equal("path", error.ParamName);
    }

    [Fact]
    public void A_path_that_is_a_directory_is_an_ArgumentException_naming_it()
    {
        string directory = Directory.CreateDirectory(_dir.File("folder")).FullName;

        var error = Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(directory, "x"));
        var trailing = Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(_dir.File("other") + "/", "x"));

        Assert.Equal($"The path '{directory}' is a directory, not a file. (Parameter 'path')", error.Message);
        Assert.Contains("is a directory, not a file.", trailing.Message, StringComparison.Ordinal);
        Assert.Equal(["folder"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Async_writes_reject_bad_arguments_before_returning_a_task()
    {
        Assert.Throws<ArgumentException>(() => { _ = AtomicFile.WriteAllTextAsync("", "x"); });
        Assert.Throws<ArgumentException>(() => { _ = AtomicFile.WriteAllBytesAsync(" ", new byte[1]); });
        Assert.Throws<ArgumentException>(() => { _ = AtomicFile.WriteAllLinesAsync("", ["x"]); });
        Assert.Throws<ArgumentException>(() => { _ = AtomicFile.WriteAsync(_dir.Path, (_, _) => ValueTask.CompletedTask); });
        Assert.Throws<ArgumentNullException>(() => { _ = AtomicFile.WriteAllBytesAsync(_dir.File("x"), (byte[])null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = AtomicFile.WriteAllTextAsync(_dir.File("x"), "x", (Encoding)null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = AtomicFile.WriteAllLinesAsync(_dir.File("x"), null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = AtomicFile.WriteAsync(_dir.File("x"), null!); });
        Assert.Throws<ArgumentNullException>(() => { _ = AtomicFile.WriteJsonAsync(_dir.File("x"), 1, typeInfo: null!); });
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public void Null_content_arguments_are_ArgumentNullExceptions()
    {
        Assert.Equal("bytes", Assert.Throws<ArgumentNullException>(() => AtomicFile.WriteAllBytes(_dir.File("x"), (byte[])null!)).ParamName);
        Assert.Equal("encoding", Assert.Throws<ArgumentNullException>(() => AtomicFile.WriteAllText(_dir.File("x"), "x", (Encoding)null!)).ParamName);
        Assert.Equal("contents", Assert.Throws<ArgumentNullException>(() => AtomicFile.WriteAllLines(_dir.File("x"), (string[])null!)).ParamName);
        Assert.Equal("write", Assert.Throws<ArgumentNullException>(() => AtomicFile.Write(_dir.File("x"), null!)).ParamName);
        Assert.Equal("typeInfo", Assert.Throws<ArgumentNullException>(() => AtomicFile.WriteJson(_dir.File("x"), 1, typeInfo: null!)).ParamName);
        Assert.Throws<ArgumentNullException>(() => new AtomicWriteOptions { TimeProvider = null! });
        Assert.Empty(_dir.FileNames());
    }

    [Fact]
    public async Task A_cancelled_token_changes_nothing()
    {
        string path = _dir.File("kept.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] oldMarker = File.ReadAllBytes(path + ".ok");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAllTextAsync(path, "new", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAllBytesAsync(path, new byte[10], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, (_, _) => ValueTask.CompletedTask, null, cancelled.Token));

        AssertUnchanged(path, "old", oldMarker);
    }

    [Fact]
    public async Task Cancelling_while_the_content_is_written_removes_the_temp_files_and_keeps_the_old_pair()
    {
        string path = _dir.File("kept.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] oldMarker = File.ReadAllBytes(path + ".ok");
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(
            path,
            async (stream, ct) =>
            {
                await stream.WriteAsync(new byte[100_000], ct);
                await cancellation.CancelAsync();
                await stream.WriteAsync(new byte[100_000], ct);
            },
            cancellationToken: cancellation.Token));

        AssertUnchanged(path, "old", oldMarker);
    }

    [Fact]
    public void Cancelling_after_the_content_is_complete_but_before_the_renames_changes_nothing()
    {
        string path = _dir.File("kept.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] oldMarker = File.ReadAllBytes(path + ".ok");
        using var cancellation = new CancellationTokenSource();

        // The clock is read after the content is written and synced, just before the renames.
        var cancellingClock = new CancellingTimeProvider(cancellation);
        Assert.ThrowsAny<OperationCanceledException>(() => AtomicFile.WriteAsync(
            path,
            async (stream, ct) => await stream.WriteAsync(new byte[1000], ct),
            new AtomicWriteOptions { TimeProvider = cancellingClock },
            cancellation.Token).GetAwaiter().GetResult());

        AssertUnchanged(path, "old", oldMarker);
    }

    [Fact]
    public void An_exception_from_the_callers_writer_propagates_unchanged_and_nothing_changes()
    {
        string path = _dir.File("kept.txt");
        AtomicFile.WriteAllText(path, "old");
        byte[] oldMarker = File.ReadAllBytes(path + ".ok");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[5000]);
            throw new InvalidOperationException("the producer failed");
        }));

        Assert.Equal("the producer failed", error.Message);
        AssertUnchanged(path, "old", oldMarker);
    }

    [Fact]
    public void A_marker_path_that_is_a_directory_fails_before_anything_is_replaced()
    {
        string path = _dir.File("x.txt");
        AtomicFile.WriteAllText(path, "old");
        File.Delete(path + ".ok");
        Directory.CreateDirectory(path + ".ok");

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "new"));

        Assert.Equal(
            $"Could not write '{path}' atomically: The marker path '{path}.ok' is a directory. The previous content and its .ok marker were left unchanged.",
            error.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["x.txt"], _dir.FileNames());
    }

    [Fact]
    public void A_parent_that_is_a_file_is_an_IOException_naming_the_target()
    {
        string file = _dir.File("plain.txt");
        File.WriteAllText(file, "I am a file");
        string path = Path.Combine(file, "child.txt");

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "x"));

        Assert.StartsWith($"Could not write '{path}' atomically: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("The previous content and its .ok marker were left unchanged.", error.Message, StringComparison.Ordinal);
        Assert.Equal("I am a file", File.ReadAllText(file));
    }

    [Fact]
    public void Invalid_text_for_a_strict_encoding_fails_before_any_file_is_created()
    {
        string path = _dir.File("bad.txt");

        Assert.Throws<EncoderFallbackException>(() => AtomicFile.WriteAllText(path, "\ud800 lone surrogate"));

        Assert.Empty(_dir.FileNames());
    }

    private void AssertUnchanged(string path, string content, byte[] marker)
    {
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Equal(marker, File.ReadAllBytes(path + ".ok"));
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal([Path.GetFileName(path), Path.GetFileName(path) + ".ok"], _dir.FileNames());
    }

    private sealed class CancellingTimeProvider(CancellationTokenSource cancellation) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow()
        {
            cancellation.Cancel();
            return base.GetUtcNow();
        }
    }
}
