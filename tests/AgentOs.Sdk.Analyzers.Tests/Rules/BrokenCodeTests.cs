using AgentOs.Sdk.Analyzers.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// IDE behaviour: code being typed does not compile. Each snippet is analyzed as a build does (whole compilation) and
/// as an IDE does (one document, one span): no analyzer may throw (AD0001), and nothing may be reported except the
/// control write that is complete and valid, which shows the rules did run.
/// </summary>
public sealed class BrokenCodeTests
{
    private const string Usings = """
        using System;
        using System.IO;
        using System.Threading.Tasks;
        using AgentOs.Sdk.IO;
        using AgentOs.Sdk.Workers;

        """;

    // Reported in every snippet: a complete artifact write in a method of its own.
    private const string Control = """

        static class Control
        {
            public static void Save(string json) => File.WriteAllText("artifacts/control.json", json);
        }
        """;

    public static TheoryData<string, string> BrokenSnippets() => new()
    {
        {
            "syntax errors inside a method",
            """
            class C
            {
                void M(string json, int n)
                {
                    var x = ;
                    File.WriteAllText("artifacts/a.json" json)
                    WorkerPool.RunAsync(2, (ctx, ct) => Task.FromResult(n) ;
                    if (n > ) { File.Create("checkpoints/b.bin"
                }
            }
            """
        },
        {
            "unresolved types and members",
            """
            class C
            {
                void M(string json, int n, UnknownStore store)
                {
                    File.WriteAllText(store.ArtifactPath, json);
                    File.WriteAllText(Missing.Folder + "/artifacts/a.json", json);
                    using var s = new FileStream("checkpoints/x.bin", FileMode.Crate);
                    UnknownStream u = new("artifacts/y.bin", FileMode.Create);
                    Unknown.RunAsync(2, (ctx, ct) => Task.FromResult(n));
                    new UnknownRunner((ctx, ct) => Task.FromResult(n));
                    File.WriteAllTextt("artifacts/z.json", json);
                }
            }
            """
        },
        {
            "half-typed File.WriteAllText(",
            """
            class C
            {
                void M(string json)
                {
                    File.WriteAllText(
                }

                void N([ArtifactPath] string path) { File.WriteAllText(path, }

                void O() => File.WriteAllText("artifacts/o.json",
            """
        },
        {
            "half-typed worker call and lambda",
            """
            class C
            {
                Task M(int n)
                {
                    Func<WorkerContext, System.Threading.CancellationToken, Task<int>> entry = (ctx, ct) =>
                    return WorkerPool.RunAsync(2, entry
                }

                Task N(int n) => WorkerPool.RunAsync(2, (ctx, ct) => Task.FromResult(n +
            """
        },
        {
            "broken declarations around a valid write",
            """
            class C
            {
                [ArtifactPath] string
                void M(string json) { }
                public int P { get => ; }
                event
            }
            interface I { void Save([ArtifactPath] string path, }
            """
        },
    };

    [Theory]
    [MemberData(nameof(BrokenSnippets))]
    public async Task Broken_code_yields_no_AD0001_and_no_report_beyond_the_control(string name, string snippet)
    {
        var compilation = AnalyzerRunner.Compile([("/broken.cs", Usings + snippet), ("/control.cs", Usings + Control)]);
        Assert.True(compilation.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error), name + ": the snippet should not compile");

        var build = await AnalyzerRunner.RunAsync(compilation);
        Assert.Empty(build.Exceptions);
        Assert.Empty(build.AnalyzerFailures);
        Assert.True(build.Ours.Count() == 1, name + ": " + string.Join("; ", build.Ours));
        var reported = build.Ours.Single();
        Assert.Equal("AOS001", reported.Id);
        Assert.Equal("/control.cs", reported.Location.SourceTree!.FilePath);

        // The IDE asks for one document at a time, often for the span around the caret.
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "/broken.cs");
        var text = tree.GetText();
        foreach (var span in new[] { new TextSpan(0, text.Length), new TextSpan(text.Length / 2, text.Length - (text.Length / 2)) })
        {
            var ide = await AnalyzerRunner.RunOnSpanAsync(compilation, tree, span);
            Assert.Empty(ide.Exceptions);
            Assert.Empty(ide.AnalyzerFailures);
            Assert.True(!ide.Ours.Any(), name + ": " + string.Join("; ", ide.Ours));
        }
    }

    [Fact]
    public async Task Every_prefix_of_a_file_being_typed_reports_only_what_the_finished_file_reports()
    {
        var finished = Usings + """
            class Store
            {
                [ArtifactPath] private readonly string _folder = Path.Combine(AppContext.BaseDirectory, "artifacts");

                public void Save(string id, string json)
                {
                    File.WriteAllText(Path.Combine(_folder, id + ".json"), json);
                    File.AppendAllText("logs/run.log", json);
                    using var stream = new FileStream(Path.Combine("checkpoints", "s.bin"), FileMode.Create);
                }

                public Task Run(int n) => WorkerPool.RunAsync(2, (ctx, ct) => Task.FromResult(n + ctx.WorkerId));
            }
            """;
        var full = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile([("/typing.cs", finished)]));
        Assert.Empty(full.Exceptions);
        var expected = full.Ours.Select(d => (d.Id, d.Location.SourceSpan.Start)).ToHashSet();
        Assert.True(expected.Count == 3, string.Join("; ", full.Ours));
        Assert.Equal(["AOS001", "AOS001", "AOS002"], expected.Select(e => e.Id).Order().ToArray());

        // Every 9th prefix (about 60 compilations): each is a moment of typing.
        for (var length = Usings.Length; length < finished.Length; length += 9)
        {
            var prefix = finished[..length];
            var result = await AnalyzerRunner.RunAsync(AnalyzerRunner.Compile([("/typing.cs", prefix)]));
            Assert.Empty(result.Exceptions);
            Assert.Empty(result.AnalyzerFailures);
            foreach (var diagnostic in result.Ours)
            {
                Assert.True(
                    expected.Contains((diagnostic.Id, diagnostic.Location.SourceSpan.Start)),
                    $"prefix of {length} characters: {diagnostic} is not reported on the finished file");
            }
        }
    }
}
