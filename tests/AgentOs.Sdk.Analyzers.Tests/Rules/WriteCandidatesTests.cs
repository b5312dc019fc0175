using AgentOs.Sdk.Analyzers.Tests.Support;
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

    private static int[] ExpectedLines()
        => Writes.Split('\n').Select((line, index) => (line, index)).Where(x => x.line.TrimEnd().EndsWith("// expect", StringComparison.Ordinal)).Select(x => x.index).ToArray();

    private static int[] ReportedLines(AnalyzerRunner.Result result)
        => result.Ours.Where(d => d.Id == "AOS001").Select(d => d.Location.GetLineSpan().StartLinePosition.Line).Order().ToArray();
}
