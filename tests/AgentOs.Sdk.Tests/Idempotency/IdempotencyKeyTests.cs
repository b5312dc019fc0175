using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AgentOs.Sdk.Idempotency;

namespace AgentOs.Sdk.Tests.Idempotency;

public sealed class IdempotencyKeyTests
{
    [Theory]
    [InlineData(new[] { "a:b", "c" }, new[] { "a", "b:c" })]
    [InlineData(new[] { "ab", "" }, new[] { "a", "b" })]
    [InlineData(new[] { "a" }, new[] { "a", "" })]
    [InlineData(new[] { "" }, new string[0])]
    [InlineData(new[] { "a|b" }, new[] { "a", "b" })]
    [InlineData(new[] { "a\0b" }, new[] { "a", "b" })]
    public void Different_parts_never_build_the_same_key_whatever_separators_they_contain(string[] left, string[] right)
    {
        Assert.NotEqual(IdempotencyKey.From("tool", left).Value, IdempotencyKey.From("tool", right).Value);
    }

    [Fact]
    public void The_kind_is_part_of_the_key()
    {
        Assert.NotEqual(IdempotencyKey.From("llm", "x", "y").Value, IdempotencyKey.From("tool", "x", "y").Value);
        Assert.NotEqual(IdempotencyKey.From("a:b", "c").Value, IdempotencyKey.From("a", "b:c").Value);
    }

    [Fact]
    public void The_same_parts_build_the_same_key_as_64_lowercase_hex_characters()
    {
        var first = IdempotencyKey.From("llm", "summarise", "gpt", "Hello, wörld");
        var second = IdempotencyKey.From("llm", ["summarise", "gpt", "Hello, wörld"]);

        Assert.Equal(first, second);
        Assert.Matches("^[0-9a-f]{64}$", first.Value);
        Assert.Equal($"llm:{first.Value}", first.ToString());
    }

    [Fact]
    public void The_key_is_sha256_over_length_prefixed_utf8_parts_as_documented()
    {
        // An independent encoding of the documented format: stored keys must stay valid across versions.
        static byte[] Prefixed(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var result = new byte[4 + bytes.Length];
            BinaryPrimitives.WriteInt32BigEndian(result, bytes.Length);
            bytes.CopyTo(result, 4);
            return result;
        }

        var count = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(count, 2);
        byte[] input = [.. Prefixed("tool"), .. count, .. Prefixed("git"), .. Prefixed("status ✓")];

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(input)), IdempotencyKey.From("tool", "git", "status ✓").Value);
    }

    [Fact]
    public void A_null_part_is_refused_by_its_index()
    {
        var ex = Assert.Throws<ArgumentException>(() => IdempotencyKey.From("tool", "git", null!));

        Assert.Contains("#1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_kind_is_refused()
    {
        Assert.Throws<ArgumentException>(() => IdempotencyKey.From(" ", "x"));
    }
}
