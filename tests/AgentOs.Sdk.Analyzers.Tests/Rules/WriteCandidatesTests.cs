using AgentOs.Sdk.Analyzers.Tests.Support;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// AOS001 binds only what its syntax prefilter keeps (<c>WriteCandidates</c>): the writes whose type or method name
/// cannot be read from the syntax must still be reported, as a build and as an IDE (one span of one document) runs it.
/// </summary>
public sealed class WriteCandidatesTests
{
    private const string Writes = """
        using System.Collections.Generic;
        using System.IO;

        namespace Shapes;

        static class Writes
        {
            // Target-typed new whose type is written nowhere near it: an argument, a return, an assignment.
            public static void Argument() => Keep(new("artifacts/argument.bin", FileMode.Create)); // expect
            public static FileStream Returned() => new("checkpoints/returned.bin", FileMode.Create); // expect
            public static void Assigned()
            {
                FileStream stream;
                stream = new("artifacts/assigned.bin", FileMode.Truncate); // expect
                stream.Dispose();
            }

            // Returned from a body whose return type names the created type, also through Task<T> in an async method.
            public static FileStream ReturnedFromBody() { return new("checkpoints/body.bin", FileMode.Create); } // expect
            public static async System.Threading.Tasks.Task<FileStream> ReturnedAsync()
            {
                await System.Threading.Tasks.Task.Yield();
                return new("checkpoints/async.bin", FileMode.Create); // expect
            }

            // XmlWriter.Create called through a framework subclass: the receiver is not named XmlWriter.
            public static void ThroughSubclass() { using var w = System.Xml.XmlTextWriter.Create("artifacts/report.xml"); } // expect

            // An alias declared with global using in another file.
            public static void Aliased() { using var s = new Fs("artifacts/aliased.bin", FileMode.CreateNew); } // expect

            // Declared types the prefilter skips without binding; none of them writes.
            public static int Skipped()
            {
                List<string> names = new(4);
                Dictionary<string, int> counts = new(System.StringComparer.Ordinal);
                using var reader = new StreamReader(new MemoryStream());
                return names.Count + counts.Count + reader.Peek();
            }

            private static void Keep(FileStream stream) => stream.Dispose();
        }
        """;

    private const string GlobalUsings = "global using Fs = System.IO.FileStream;\n";

    [Fact]
    public async Task Writes_the_syntax_cannot_name_are_bound_and_reported_in_a_build()
    {
        var compilation = AnalyzerRunner.Compile([("/src/Writes.cs", Writes), ("/src/GlobalUsings.cs", GlobalUsings)]);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));

        var result = await AnalyzerRunner.RunAsync(compilation);

        Assert.Empty(result.Exceptions);
        Assert.Equal(ExpectedLines(), ReportedLines(result));
    }

    [Fact]
    public async Task Writes_the_syntax_cannot_name_are_reported_when_an_IDE_analyzes_one_span()
    {
        var compilation = AnalyzerRunner.Compile([("/src/Writes.cs", Writes), ("/src/GlobalUsings.cs", GlobalUsings)]);
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == "/src/Writes.cs");
        var text = tree.GetText();
        var returned = text.Lines[ExpectedLines()[1]].Span;

        var result = await AnalyzerRunner.RunOnSpanAsync(compilation, tree, TextSpan.FromBounds(returned.Start, returned.End));

        Assert.Empty(result.Exceptions);
        Assert.Equal([ExpectedLines()[1]], ReportedLines(result));
    }

    // The prefilter itself: each line ends with "// keep" (may be a write: bound) or "// drop" (cannot be one: never bound).
    private const string Shapes = """
        using System.IO;
        using System.Threading.Tasks;
        using Handle = System.IO.File;
        using Clash = System.IO.File;

        namespace Shapes;

        public sealed record Widget(int Size)
        {
            public static Widget Create(int size) => new(size); // drop
            public static Widget Open(int size) => new(size); // drop
        }

        public partial class Derived { }
        public partial class Derived : System.Xml.XmlWriter { }
        public record Clash(int Size);

        static class Calls
        {
            static void M(string path, FileInfo info, Widget widget)
            {
                Widget.Create(1); // drop
                Shapes.Widget.Create(2); // drop
                global::Shapes.Widget.Create(3); // drop
                File.Create(path); // keep
                Handle.Create(path); // keep
                Clash.Create(path); // keep
                Derived.Create(path); // keep
                System.Xml.XmlWriter.Create(path); // keep
                info.Create(); // keep
                info.CreateText(); // keep
                info.Open(FileMode.Create); // keep
                Widget.Open(1); // keep
                info.Open(); // drop
                File.Copy(path, path + ".bak"); // drop
                File.Copy(path, path + ".bak", true); // keep
            }

            static Widget Arrow() => new(1); // drop
            static Widget Body() { return new(1); } // drop
            static async Task<Widget> BodyAsync() { await Task.Yield(); return new(1); } // drop
            static Widget Property => new(1); // drop
            static Widget Getter { get => new(1); } // drop
            static FileStream Stream(string path) => new(path, FileMode.Create); // keep
            static async Task<FileStream> StreamAsync(string path) { await Task.Yield(); return new(path, FileMode.Create); } // keep
            static FileStream Local(string path)
            {
                Widget Inner() { return new(1); } // drop
                System.Func<FileStream> lambda = () => { return new(path, FileMode.Create); }; // keep
                return lambda();
            }
        }
        """;

    [Fact]
    public void Prefilter_binds_what_may_be_a_write_and_drops_what_the_syntax_rules_out()
    {
        var compilation = AnalyzerRunner.Compile([("/src/Shapes.cs", Shapes)]);
        var candidates = AgentOs.Sdk.Analyzers.Internal.WriteCandidates.ForCompilation(compilation, CancellationToken.None);
        var tree = compilation.SyntaxTrees.Single();
        var text = tree.GetText();
        var found = AgentOs.Sdk.Analyzers.Internal.NameOccurrences.FindCalls(tree, candidates.Words, null, CancellationToken.None).ToList();

        // What the rule binds: the calls found through the text (NameOccurrences) that the prefilter keeps.
        var checkedLines = MarkedLines.AssertKeepOrDrop(text, line => found.Any(n => line.Span.Contains(n.Span.Start) && candidates.IsCandidate(n)));

        Assert.Equal(26, checkedLines);
    }

    private static int[] ExpectedLines()
        => Writes.Split('\n').Select((line, index) => (line, index)).Where(x => x.line.TrimEnd().EndsWith("// expect", StringComparison.Ordinal)).Select(x => x.index).ToArray();

    private static int[] ReportedLines(AnalyzerRunner.Result result)
        => result.Ours.Where(d => d.Id == "AOS001").Select(d => d.Location.GetLineSpan().StartLinePosition.Line).Order().ToArray();
}
