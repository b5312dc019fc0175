using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;
using Microsoft.Extensions.Time.Testing;

namespace AgentOs.Sdk.Tests.IO;

public sealed class AtomicFileWriteTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void WriteAllBytes_writes_the_content_and_a_marker_that_describes_it()
    {
        string path = _dir.File("data.bin");
        byte[] content = RandomNumberGenerator.GetBytes(100_000);

        AtomicWriteResult result = AtomicFile.WriteAllBytes(path, content);

        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(path, result.Path);
        Assert.Equal(path + ".ok", result.OkMarkerPath);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), result.Sha256);
        Assert.Equal(content.Length, result.Size);
        using JsonDocument marker = JsonDocument.Parse(File.ReadAllBytes(result.OkMarkerPath));
        Assert.Equal(result.Sha256, marker.RootElement.GetProperty("sha256").GetString());
        Assert.Equal(content.Length, marker.RootElement.GetProperty("size").GetInt64());
        Assert.Equal(path, marker.RootElement.GetProperty("path").GetString());
        Assert.Equal(result.Timestamp, marker.RootElement.GetProperty("timestamp").GetDateTimeOffset());
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal(["data.bin", "data.bin.ok"], _dir.FileNames());
    }

    [Fact]
    public void WriteAllBytes_span_overload_replaces_an_existing_file()
    {
        string path = _dir.File("data.bin");
        AtomicFile.WriteAllBytes(path, "old"u8.ToArray());

        AtomicWriteResult result = AtomicFile.WriteAllBytes(path, "new content"u8);

        Assert.Equal("new content"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(11, result.Size);
        Assert.True(AtomicFile.Verify(path).IsValid);
        Assert.Equal(["data.bin", "data.bin.ok"], _dir.FileNames());
    }

    [Fact]
    public void WriteAllBytes_of_nothing_writes_an_empty_file_that_verifies()
    {
        string path = _dir.File("empty.bin");

        AtomicWriteResult result = AtomicFile.WriteAllBytes(path, Array.Empty<byte>());

        Assert.Empty(File.ReadAllBytes(path));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", result.Sha256);
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public async Task WriteAllBytesAsync_both_overloads_write_and_verify()
    {
        string first = _dir.File("a.bin");
        string second = _dir.File("b.bin");

        AtomicWriteResult a = await AtomicFile.WriteAllBytesAsync(first, [1, 2, 3]);
        AtomicWriteResult b = await AtomicFile.WriteAllBytesAsync(second, new ReadOnlyMemory<byte>([4, 5, 6, 7], 1, 2));

        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(first));
        Assert.Equal([5, 6], await File.ReadAllBytesAsync(second));
        Assert.Equal(3, a.Size);
        Assert.Equal(2, b.Size);
        Assert.True(AtomicFile.Verify(first).IsValid);
        Assert.True(AtomicFile.Verify(second).IsValid);
    }

    [Fact]
    public void WriteAllText_writes_utf8_without_bom_like_File()
    {
        string path = _dir.File("text.txt");
        string reference = _dir.File("reference.txt");

        AtomicFile.WriteAllText(path, "héllo wörld");
        File.WriteAllText(reference, "héllo wörld");

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(path));
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public void WriteAllText_with_an_encoding_writes_its_preamble_like_File()
    {
        string path = _dir.File("text.txt");
        string reference = _dir.File("reference.txt");

        AtomicFile.WriteAllText(path, "abc", Encoding.UTF8);
        File.WriteAllText(reference, "abc", Encoding.UTF8);

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(path));
        Assert.Equal([0xEF, 0xBB, 0xBF, (byte)'a', (byte)'b', (byte)'c'], File.ReadAllBytes(path));
    }

    [Fact]
    public void WriteAllText_of_null_writes_an_empty_file()
    {
        string path = _dir.File("null.txt");

        AtomicWriteResult result = AtomicFile.WriteAllText(path, null);

        Assert.Equal(0, result.Size);
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public async Task WriteAllTextAsync_overloads_write_the_same_bytes_as_File()
    {
        string reference = _dir.File("reference.txt");
        await File.WriteAllTextAsync(reference, "ünïcode", Encoding.Unicode);

        await AtomicFile.WriteAllTextAsync(_dir.File("1.txt"), "ünïcode");
        await AtomicFile.WriteAllTextAsync(_dir.File("2.txt"), "ünïcode", Encoding.Unicode);
        await AtomicFile.WriteAllTextAsync(_dir.File("3.txt"), "ünïcode", new AtomicWriteOptions());
        await AtomicFile.WriteAllTextAsync(_dir.File("4.txt"), "ünïcode", Encoding.Unicode, new AtomicWriteOptions());

        Assert.Equal("ünïcode", await File.ReadAllTextAsync(_dir.File("1.txt")));
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(_dir.File("2.txt")));
        Assert.Equal("ünïcode"u8.ToArray(), File.ReadAllBytes(_dir.File("3.txt")));
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(_dir.File("4.txt")));
        foreach (string name in new[] { "1.txt", "2.txt", "3.txt", "4.txt" })
        {
            Assert.True(AtomicFile.Verify(_dir.File(name)).IsValid, name);
        }
    }

    [Fact]
    public void WriteAllLines_overloads_write_the_same_bytes_as_File()
    {
        string[] lines = ["one", "two", "", "thrée"];
        string reference = _dir.File("reference.txt");
        File.WriteAllLines(reference, lines, Encoding.UTF8);

        AtomicFile.WriteAllLines(_dir.File("array.txt"), lines);
        AtomicFile.WriteAllLines(_dir.File("enumerable.txt"), lines.Where(_ => true));
        AtomicFile.WriteAllLines(_dir.File("encoded.txt"), lines, Encoding.UTF8);
        AtomicFile.WriteAllLines(_dir.File("encoded-enumerable.txt"), lines.Where(_ => true), Encoding.UTF8, new AtomicWriteOptions());
        AtomicFile.WriteAllLines(_dir.File("options.txt"), lines, new AtomicWriteOptions());

        string expected = string.Join(Environment.NewLine, lines) + Environment.NewLine;
        Assert.Equal(expected, File.ReadAllText(_dir.File("array.txt")));
        Assert.Equal(expected, File.ReadAllText(_dir.File("enumerable.txt")));
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(_dir.File("encoded.txt")));
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(_dir.File("encoded-enumerable.txt")));
        Assert.Equal(expected, File.ReadAllText(_dir.File("options.txt")));
        foreach (string name in new[] { "array.txt", "enumerable.txt", "encoded.txt", "encoded-enumerable.txt", "options.txt" })
        {
            Assert.True(AtomicFile.Verify(_dir.File(name)).IsValid, name);
        }
    }

    [Fact]
    public async Task WriteAllLinesAsync_overloads_stream_the_lines()
    {
        string[] lines = ["alpha", "beta"];
        string expected = "alpha" + Environment.NewLine + "beta" + Environment.NewLine;

        await AtomicFile.WriteAllLinesAsync(_dir.File("1.txt"), lines);
        await AtomicFile.WriteAllLinesAsync(_dir.File("2.txt"), lines, Encoding.UTF8);
        await AtomicFile.WriteAllLinesAsync(_dir.File("3.txt"), lines, new AtomicWriteOptions());
        AtomicWriteResult last = await AtomicFile.WriteAllLinesAsync(_dir.File("4.txt"), lines, Encoding.UTF8, new AtomicWriteOptions());

        Assert.Equal(expected, await File.ReadAllTextAsync(_dir.File("1.txt")));
        Assert.Equal([0xEF, 0xBB, 0xBF], File.ReadAllBytes(_dir.File("2.txt"))[..3]);
        Assert.Equal(expected, await File.ReadAllTextAsync(_dir.File("3.txt")));
        Assert.Equal(3 + Encoding.UTF8.GetByteCount(expected), last.Size);
        foreach (string name in new[] { "1.txt", "2.txt", "3.txt", "4.txt" })
        {
            Assert.True(AtomicFile.Verify(_dir.File(name)).IsValid, name);
        }
    }

    [Fact]
    public void WriteJson_with_serializer_options_and_with_type_info_write_the_same_json()
    {
        var value = new Sample("report", 3);
        string withOptions = _dir.File("options.json");
        string withTypeInfo = _dir.File("typeinfo.json");

#pragma warning disable IL2026, IL3050 // The reflection overload is what this test exercises.
        AtomicFile.WriteJson(withOptions, value, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
#pragma warning restore IL2026, IL3050
        AtomicFile.WriteJson(withTypeInfo, value, SampleJsonContext.Default.Sample);

        Assert.Equal("""{"name":"report","count":3}""", File.ReadAllText(withOptions));
        Assert.Equal("""{"name":"report","count":3}""", File.ReadAllText(withTypeInfo));
        Assert.True(AtomicFile.Verify(withOptions).IsValid);
        Assert.True(AtomicFile.Verify(withTypeInfo).IsValid);
    }

    [Fact]
    public async Task WriteJsonAsync_streams_the_value_and_verifies()
    {
        var value = new Sample("streamed", 7);
        string withOptions = _dir.File("options.json");
        string withTypeInfo = _dir.File("typeinfo.json");

#pragma warning disable IL2026, IL3050 // The reflection overload is what this test exercises.
        AtomicWriteResult a = await AtomicFile.WriteJsonAsync(withOptions, value);
#pragma warning restore IL2026, IL3050
        AtomicWriteResult b = await AtomicFile.WriteJsonAsync(withTypeInfo, value, SampleJsonContext.Default.Sample);

        Assert.Equal("""{"Name":"streamed","Count":7}""", await File.ReadAllTextAsync(withOptions));
        Assert.Equal("""{"name":"streamed","count":7}""", await File.ReadAllTextAsync(withTypeInfo));
        Assert.Equal(new FileInfo(withOptions).Length, a.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(withTypeInfo))), b.Sha256);
        Assert.True(AtomicFile.Verify(withOptions).IsValid);
        Assert.True(AtomicFile.Verify(withTypeInfo).IsValid);
    }

    [Fact]
    public async Task WriteAsync_streams_a_large_artifact_and_hashes_what_was_written()
    {
        string path = _dir.File("large.bin");
        byte[] chunk = RandomNumberGenerator.GetBytes(300_001);

        AtomicWriteResult result = await AtomicFile.WriteAsync(path, async (stream, ct) =>
        {
            Assert.False(stream.CanSeek);
            Assert.False(stream.CanRead);
            for (int i = 0; i < 5; i++)
            {
                await stream.WriteAsync(chunk, ct);
            }

            stream.WriteByte(42);
        });

        byte[] expected = [.. chunk, .. chunk, .. chunk, .. chunk, .. chunk, 42];
        Assert.Equal(expected, await File.ReadAllBytesAsync(path));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), result.Sha256);
        Assert.Equal(expected.Length, result.Size);
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public void Write_lets_the_caller_dispose_a_writer_over_the_stream()
    {
        string path = _dir.File("writer.txt");

        AtomicFile.Write(path, stream =>
        {
            // A caller that disposes its writer (and so the stream) must not break the write.
            using var writer = new StreamWriter(stream);
            writer.Write("written through a StreamWriter");
        });

        Assert.Equal("written through a StreamWriter", File.ReadAllText(path));
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public void The_marker_timestamp_comes_from_the_options_time_provider()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 2, 3, 4, 5, 6, TimeSpan.FromHours(5)));
        string path = _dir.File("timed.txt");

        AtomicWriteResult result = AtomicFile.WriteAllText(path, "x", new AtomicWriteOptions { TimeProvider = clock });

        Assert.Equal(new DateTimeOffset(2031, 2, 2, 23, 5, 6, TimeSpan.Zero), result.Timestamp);
        Assert.Equal(TimeSpan.Zero, result.Timestamp.Offset);
        Assert.Contains("\"timestamp\":\"2031-02-02T23:05:06.0000000Z\"", File.ReadAllText(result.OkMarkerPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_overload_that_takes_options_honours_them()
    {
        var when = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var options = new AtomicWriteOptions { TimeProvider = new FakeTimeProvider(when), CreateDirectories = true };
        string Next(string name) => Path.Combine(_dir.Path, "made-by-options", name);
        byte[] bytes = [1, 2, 3];
        string[] lines = ["a", "b"];

        AtomicWriteResult[] results =
        [
            AtomicFile.WriteAllBytes(Next("1"), bytes, options),
            AtomicFile.WriteAllBytes(Next("2"), bytes.AsSpan(), options),
            await AtomicFile.WriteAllBytesAsync(Next("3"), bytes, options),
            await AtomicFile.WriteAllBytesAsync(Next("4"), bytes.AsMemory(), options),
            AtomicFile.WriteAllText(Next("5"), "t", options),
            AtomicFile.WriteAllText(Next("6"), "t", Encoding.Latin1, options),
            await AtomicFile.WriteAllTextAsync(Next("7"), "t", options),
            await AtomicFile.WriteAllTextAsync(Next("8"), "t", Encoding.Latin1, options),
            AtomicFile.WriteAllLines(Next("9"), lines, options),
            AtomicFile.WriteAllLines(Next("10"), lines, Encoding.Latin1, options),
            await AtomicFile.WriteAllLinesAsync(Next("11"), lines, options),
            await AtomicFile.WriteAllLinesAsync(Next("12"), lines, Encoding.Latin1, options),
            AtomicFile.Write(Next("13"), s => s.Write(bytes), options),
            await AtomicFile.WriteAsync(Next("14"), (s, ct) => s.WriteAsync(bytes, ct), options),
            AtomicFile.WriteJson(Next("15"), new Sample("j", 1), SampleJsonContext.Default.Sample, options),
            await AtomicFile.WriteJsonAsync(Next("16"), new Sample("j", 1), SampleJsonContext.Default.Sample, options),
        ];

        Assert.All(results, r => Assert.Equal(when, r.Timestamp));
        Assert.All(results, r => Assert.True(AtomicFile.Verify(r.Path).IsValid, r.Path));
        Assert.Equal(bytes, File.ReadAllBytes(Next("2")));
        Assert.Equal("t", File.ReadAllText(Next("6"), Encoding.Latin1));
        Assert.Equal(["a", "b"], File.ReadAllLines(Next("10"), Encoding.Latin1));
    }

    [Fact]
    public void WriteAllLines_with_an_encoding_and_no_options_matches_File()
    {
        IEnumerable<string> lines = new[] { "x", "ÿ" }.Where(_ => true);
        string reference = _dir.File("reference.txt");
        File.WriteAllLines(reference, lines, Encoding.Latin1);

        AtomicFile.WriteAllLines(_dir.File("latin1.txt"), lines, Encoding.Latin1);

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(_dir.File("latin1.txt")));
    }

    [Fact]
    public void Missing_parent_directories_are_created()
    {
        string path = Path.Combine(_dir.Path, "a", "b", "c", "deep.txt");

        AtomicFile.WriteAllText(path, "deep");

        Assert.Equal("deep", File.ReadAllText(path));
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    [Fact]
    public void With_CreateDirectories_off_a_missing_directory_is_a_clear_error_and_nothing_is_created()
    {
        string directory = Path.Combine(_dir.Path, "missing");
        string path = Path.Combine(directory, "x.txt");

        var error = Assert.Throws<DirectoryNotFoundException>(() =>
            AtomicFile.WriteAllText(path, "x", new AtomicWriteOptions { CreateDirectories = false }));

        Assert.Equal(
            $"Could not write '{path}': the directory '{directory}' does not exist and AtomicWriteOptions.CreateDirectories is off.",
            error.Message);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Replacing_a_file_keeps_its_permission_bits_and_gives_the_marker_the_same()
    {
        string path = _dir.File("private.txt");
        AtomicFile.WriteAllText(path, "v1");
        const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.SetGroup;
        File.SetUnixFileMode(path, Mode);

        AtomicFile.WriteAllText(path, "v2");

        Assert.Equal("v2", File.ReadAllText(path));
        Assert.Equal(Mode, File.GetUnixFileMode(path));
        Assert.Equal(Mode, File.GetUnixFileMode(path + ".ok"));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void With_PreservePermissions_off_a_replaced_file_gets_the_create_mode()
    {
        string path = _dir.File("reset.txt");
        AtomicFile.WriteAllText(path, "v1");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherExecute);

        AtomicFile.WriteAllText(path, "v2", new AtomicWriteOptions { PreservePermissions = false, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_new_file_gets_UnixCreateMode_and_defaults_to_what_File_creates()
    {
        string custom = _dir.File("custom.txt");
        string plain = _dir.File("plain.txt");
        string reference = _dir.File("reference.txt");

        AtomicFile.WriteAllText(custom, "x", new AtomicWriteOptions { UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        AtomicFile.WriteAllText(plain, "x");
        File.WriteAllText(reference, "x");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(custom));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(custom + ".ok"));
        Assert.Equal(File.GetUnixFileMode(reference), File.GetUnixFileMode(plain));
    }

    [Fact]
    public void GetOkMarkerPath_appends_the_suffix_to_the_full_path()
    {
        Assert.Equal(".ok", AtomicFile.OkMarkerSuffix);
        Assert.Equal(Path.GetFullPath("some/file.json") + ".ok", AtomicFile.GetOkMarkerPath("some/file.json"));
        Assert.Throws<ArgumentException>(() => AtomicFile.GetOkMarkerPath(" "));
    }

    [Fact]
    public void A_long_file_name_still_gets_a_temp_file_the_file_system_accepts()
    {
        string path = _dir.File(new string('n', 240) + ".txt");

        AtomicFile.WriteAllText(path, "long name");

        Assert.Equal("long name", File.ReadAllText(path));
        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    public sealed record Sample(string Name, int Count);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AtomicFileWriteTests.Sample))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;
