using System.Security.Cryptography;
using AgentOs.Sdk.IO;
using AgentOs.Sdk.Tests.IO.Support;

namespace AgentOs.Sdk.Tests.IO;

public sealed class AtomicFileVerifyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_written_file_is_valid_and_reports_its_hash_and_size()
    {
        string path = _dir.File("good.txt");
        AtomicWriteResult written = AtomicFile.WriteAllText(path, "good");

        AtomicVerifyResult result = AtomicFile.Verify(path);

        Assert.True(result.IsValid);
        Assert.Null(result.Error);
        Assert.Equal(path, result.Path);
        Assert.Equal(written.Sha256, result.Sha256);
        Assert.Equal(4, result.Size);
        Assert.Equal($"Valid: {path}", result.ToString());
    }

    [Fact]
    public void The_result_deconstructs_into_validity_and_error()
    {
        string path = _dir.File("missing.txt");

        var (isValid, error) = AtomicFile.Verify(path);

        Assert.False(isValid);
        Assert.Equal($"'{path}' does not exist.", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public void An_empty_path_is_invalid_not_an_exception(string? path)
    {
        AtomicVerifyResult result = AtomicFile.Verify(path!);

        Assert.False(result.IsValid);
        Assert.Equal("The path is empty.", result.Error);
        Assert.Equal($"Invalid: The path is empty.", result.ToString());
    }

    [Fact]
    public void A_path_with_a_null_character_is_invalid()
    {
        AtomicVerifyResult result = AtomicFile.Verify("bad\0name");

        Assert.False(result.IsValid);
        Assert.StartsWith("The path 'bad\0name' is not valid: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_is_invalid()
    {
        Assert.Equal($"'{_dir.Path}' is a directory, not a file.", AtomicFile.Verify(_dir.Path).Error);
    }

    [Fact]
    public void A_missing_marker_is_invalid_when_required_and_fine_when_not()
    {
        string path = _dir.File("plain.txt");
        File.WriteAllText(path, "no marker");

        AtomicVerifyResult required = AtomicFile.Verify(path);
        AtomicVerifyResult optional = AtomicFile.Verify(path, requireOkMarker: false);

        Assert.Equal($"'{path}' has no .ok marker: '{path}.ok' does not exist.", required.Error);
        Assert.True(optional.IsValid);
        Assert.Null(optional.Sha256);
        Assert.Equal(9, optional.Size);
    }

    [Fact]
    public void Without_a_required_marker_the_file_must_still_exist()
    {
        string path = _dir.File("missing.txt");

        Assert.Equal($"'{path}' does not exist.", AtomicFile.Verify(path, requireOkMarker: false).Error);
    }

    [Fact]
    public void A_marker_that_exists_is_checked_even_when_not_required()
    {
        string path = _dir.File("tampered.txt");
        AtomicFile.WriteAllText(path, "original");
        File.WriteAllText(path, "tampered");

        AtomicVerifyResult result = AtomicFile.Verify(path, requireOkMarker: false);

        Assert.False(result.IsValid);
        Assert.StartsWith($"The SHA-256 of '{path}' is ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public void An_empty_marker_is_invalid(string marker)
    {
        string path = WriteWithMarker("x", marker);

        Assert.Equal($"The .ok marker '{path}.ok' of '{path}' is empty.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_that_is_not_json_is_invalid()
    {
        string path = WriteWithMarker("x", "sha256=abc");

        string? error = AtomicFile.Verify(path).Error;

        Assert.StartsWith($"The .ok marker '{path}.ok' of '{path}' is not a valid marker: ", error, StringComparison.Ordinal);
        Assert.Contains("invalid", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_marker_that_is_json_null_is_invalid()
    {
        string path = WriteWithMarker("x", "null");

        Assert.Equal($"The .ok marker '{path}.ok' of '{path}' is not a JSON object.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_missing_a_key_is_invalid_and_names_the_key()
    {
        string path = WriteWithMarker("x", $$"""{"sha256":"{{Hash("x")}}","size":1,"timestamp":"2025-01-01T00:00:00Z"}""");

        string? error = AtomicFile.Verify(path).Error;

        Assert.StartsWith($"The .ok marker '{path}.ok' of '{path}' is not a valid marker: ", error, StringComparison.Ordinal);
        Assert.Contains("'path'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_marker_with_a_bad_hash_is_invalid()
    {
        string path = WriteWithMarker("x", Marker("xyz", 1, "2025-01-01T00:00:00Z", null));

        Assert.Equal($"The .ok marker '{path}.ok' of '{path}' has a 'sha256' that is not 64 hex digits: 'xyz'.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_with_a_negative_size_is_invalid()
    {
        string path = WriteWithMarker("x", Marker(Hash("x"), -1, "2025-01-01T00:00:00Z", null));

        Assert.Equal($"The .ok marker '{path}.ok' of '{path}' has a negative 'size': -1.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_with_an_empty_path_is_invalid()
    {
        string path = WriteWithMarker("x", Marker(Hash("x"), 1, "2025-01-01T00:00:00Z", ""));

        Assert.Equal($"The .ok marker '{path}.ok' of '{path}' has an empty 'path'.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_with_a_bad_timestamp_is_invalid()
    {
        string path = WriteWithMarker("x", Marker(Hash("x"), 1, "yesterday", null));

        Assert.Equal(
            $"The .ok marker '{path}.ok' of '{path}' is not a valid marker: 'timestamp' is not an ISO 8601 date and time: 'yesterday'.",
            AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_for_another_path_is_invalid()
    {
        string path = WriteWithMarker("x", Marker(Hash("x"), 1, "2025-01-01T00:00:00Z", "/elsewhere/x"));

        Assert.Equal($"The .ok marker '{path}.ok' describes '/elsewhere/x', not '{path}'.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_copied_file_and_marker_do_not_verify_at_the_new_place()
    {
        string original = _dir.File("original.txt");
        string copy = _dir.File("copy.txt");
        AtomicFile.WriteAllText(original, "content");
        File.Copy(original, copy);
        File.Copy(original + ".ok", copy + ".ok");

        Assert.Equal($"The .ok marker '{copy}.ok' describes '{original}', not '{copy}'.", AtomicFile.Verify(copy).Error);
    }

    [Fact]
    public void A_size_mismatch_is_invalid()
    {
        string path = _dir.File("grown.txt");
        AtomicFile.WriteAllText(path, "1234");
        File.AppendAllText(path, "5");

        Assert.Equal($"'{path}' is 5 bytes but its .ok marker says 4.", AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_hash_mismatch_of_the_same_size_is_invalid()
    {
        string path = _dir.File("flipped.txt");
        AtomicFile.WriteAllText(path, "abcd");
        File.WriteAllText(path, "abce");

        Assert.Equal(
            $"The SHA-256 of '{path}' is {Hash("abce")} but its .ok marker says {Hash("abcd")}.",
            AtomicFile.Verify(path).Error);
    }

    [Fact]
    public void A_marker_that_cannot_be_read_is_invalid()
    {
        string path = _dir.File("x.txt");
        File.WriteAllText(path, "x");
        Directory.CreateDirectory(path + ".ok");

        string? error = AtomicFile.Verify(path).Error;

        Assert.StartsWith($"The .ok marker '{path}.ok' of '{path}' cannot be read: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_marker_in_the_python_peers_format_is_accepted()
    {
        string path = _dir.File("peer.json");
        File.WriteAllText(path, "{}");
        File.WriteAllText(
            path + ".ok",
            $$"""{"sha256": "{{Hash("{}").ToUpperInvariant()}}", "size": 2, "timestamp": "2025-01-30T10:20:30.123456", "path": "{{path}}"}""");

        Assert.True(AtomicFile.Verify(path).IsValid);
    }

    private string WriteWithMarker(string content, string marker)
    {
        string path = _dir.File("file.txt");
        File.WriteAllText(path, content);
        File.WriteAllText(path + ".ok", marker);
        return path;
    }

    private string Marker(string sha256, long size, string timestamp, string? path) =>
        $$"""{"sha256":"{{sha256}}","size":{{size}},"timestamp":"{{timestamp}}","path":"{{path ?? _dir.File("file.txt")}}"}""";

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
