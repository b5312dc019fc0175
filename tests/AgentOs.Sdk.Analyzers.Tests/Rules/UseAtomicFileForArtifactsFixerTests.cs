using AgentOs.Sdk.CodeFixes.Rules;
using Verify = AgentOs.Sdk.Analyzers.Tests.Verifiers.CodeFixVerifier<AgentOs.Sdk.Analyzers.Rules.UseAtomicFileForArtifactsAnalyzer, AgentOs.Sdk.CodeFixes.Rules.UseAtomicFileForArtifactsFixer>;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>AOS001 fix: File.WriteAll* becomes AtomicFile.WriteAll* with the using added; streams get no fix.</summary>
public sealed class UseAtomicFileForArtifactsFixerTests
{
    private static Task VerifyAsync(string source, string fixedSource)
        => Verify.VerifyAsync(new[] { source }, new[] { fixedSource }, topLevel: false, UseAtomicFileForArtifactsFixer.EquivalenceKey);

    [Fact]
    public Task WriteAllText_becomes_AtomicFile_WriteAllText_and_the_using_is_added()
        => VerifyAsync(
            """
            using System.IO;

            class C
            {
                void M(string json) => {|AOS001:File.WriteAllText("artifacts/report.json", json)|};
            }
            """,
            """
            using System.IO;
            using AgentOs.Sdk.IO;

            class C
            {
                void M(string json) => AtomicFile.WriteAllText("artifacts/report.json", json);
            }
            """);

    [Fact]
    public Task Encodings_async_forms_bytes_and_lines_keep_their_arguments()
        => VerifyAsync(
            """
            using System.Collections.Generic;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;

            class C
            {
                async Task M(string json, byte[] data, List<string> lines, CancellationToken ct)
                {
                    {|AOS001:File.WriteAllText("artifacts/a.txt", json, Encoding.Latin1)|};
                    await {|AOS001:File.WriteAllTextAsync("artifacts/b.txt", json, Encoding.UTF8, ct)|};
                    await {|AOS001:File.WriteAllBytesAsync("artifacts/c.bin", data, cancellationToken: ct)|}.ConfigureAwait(false);
                    {|AOS001:File.WriteAllLines("artifacts/d.txt", lines)|};
                    Task pending = {|AOS001:File.WriteAllLinesAsync("artifacts/e.txt", lines, ct)|};
                    await pending;
                }
            }
            """,
            """
            using System.Collections.Generic;
            using System.IO;
            using System.Text;
            using System.Threading;
            using System.Threading.Tasks;
            using AgentOs.Sdk.IO;

            class C
            {
                async Task M(string json, byte[] data, List<string> lines, CancellationToken ct)
                {
                    AtomicFile.WriteAllText("artifacts/a.txt", json, Encoding.Latin1);
                    await AtomicFile.WriteAllTextAsync("artifacts/b.txt", json, Encoding.UTF8, ct);
                    await AtomicFile.WriteAllBytesAsync("artifacts/c.bin", data, cancellationToken: ct).ConfigureAwait(false);
                    AtomicFile.WriteAllLines("artifacts/d.txt", lines);
                    Task pending = AtomicFile.WriteAllLinesAsync("artifacts/e.txt", lines, ct);
                    await pending;
                }
            }
            """);

    [Fact]
    public Task Using_static_alias_and_qualified_forms_are_rewritten()
        => VerifyAsync(
            """
            using static System.IO.File;
            using F = System.IO.File;

            class C
            {
                void M(byte[] data)
                {
                    {|AOS001:WriteAllBytes("checkpoints/a.bin", data)|};
                    {|AOS001:F.WriteAllBytes("checkpoints/b.bin", data)|};
                    {|AOS001:System.IO.File.WriteAllBytes("checkpoints/c.bin", data)|};
                }
            }
            """,
            """
            using AgentOs.Sdk.IO;
            using static System.IO.File;
            using F = System.IO.File;

            class C
            {
                void M(byte[] data)
                {
                    AtomicFile.WriteAllBytes("checkpoints/a.bin", data);
                    AtomicFile.WriteAllBytes("checkpoints/b.bin", data);
                    AtomicFile.WriteAllBytes("checkpoints/c.bin", data);
                }
            }
            """);

    [Fact]
    public Task Fix_all_rewrites_every_document_of_the_solution()
        => Verify.VerifyAsync(
            new[]
            {
                """
                using System.IO;

                class A
                {
                    void M(string s)
                    {
                        {|AOS001:File.WriteAllText("artifacts/1.json", s)|};
                        {|AOS001:File.WriteAllText("artifacts/2.json", s)|};
                    }
                }
                """,
                """
                using System.IO;

                class B
                {
                    void M(string s) => {|AOS001:File.WriteAllText("checkpoints/3.json", s)|};
                }
                """,
            },
            new[]
            {
                """
                using System.IO;
                using AgentOs.Sdk.IO;

                class A
                {
                    void M(string s)
                    {
                        AtomicFile.WriteAllText("artifacts/1.json", s);
                        AtomicFile.WriteAllText("artifacts/2.json", s);
                    }
                }
                """,
                """
                using System.IO;
                using AgentOs.Sdk.IO;

                class B
                {
                    void M(string s) => AtomicFile.WriteAllText("checkpoints/3.json", s);
                }
                """,
            },
            topLevel: false,
            UseAtomicFileForArtifactsFixer.EquivalenceKey);

    [Fact]
    public Task Streams_get_no_fix()
        => Verify.VerifyNoFixAsync(
            """
            using System.IO;

            class C
            {
                void M()
                {
                    using var a = {|AOS001:new FileStream("artifacts/a.bin", FileMode.Create)|};
                    using var b = {|AOS001:File.Create("artifacts/b.bin")|};
                    using var c = {|AOS001:new StreamWriter("artifacts/c.txt")|};
                }
            }
            """);

    [Fact]
    public Task An_overload_AtomicFile_does_not_mirror_gets_no_fix()
        => Verify.VerifyNoFixAsync(
            """
            using System;
            using System.IO;

            class C
            {
                void M(ReadOnlySpan<char> text) => {|AOS001:File.WriteAllText("artifacts/a.txt", text)|};
            }
            """);
}
