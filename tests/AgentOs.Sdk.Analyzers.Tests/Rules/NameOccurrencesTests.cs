using AgentOs.Sdk.Analyzers.Internal;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// The rules find their candidates through the document's text, not by walking the tree (<c>NameOccurrences</c>): every
/// call or construction named by a word is found, whatever its shape, and a word that is not a call's name is not.
/// </summary>
public sealed class NameOccurrencesTests
{
    private const string Source = """
        using System.IO;

        class Base { public Base(int n) { } }

        class C(int n) : Base(n) // found: Base(n)
        {
            public C() : this(1) { } // found: : this(1)
            public C(string s) : this(s.Length) { } // found: : this(s.Length)

            // File.Create("in a comment") and "File.Create(in a string)" are not calls.
            static void Create(string path) { } // a declaration, not a call
            static FileInfo? Info => null;

            void M(string path)
            {
                File.Create(path); // found: File.Create(path)
                Create(path); // found: Create(path)
                @Create(path); // found: @Create(path)
                Info?.Open(FileMode.Create); // found: .Open(FileMode.Create) (the call inside the conditional access)
                _ = new FileStream(path, FileMode.Create); // found: new FileStream(path, FileMode.Create)
                _ = new System.IO.FileStream(path, FileMode.Create); // found: new System.IO.FileStream(path, FileMode.Create)
                _ = new global::System.IO.FileStream(path, FileMode.Create); // found: new global::System.IO.FileStream(path, FileMode.Create)
                FileStream s = new(path, FileMode.Create); // found: new(path, FileMode.Create)
                var created = nameof(File.Create); // a name, not a call
                var recreated = CreateMore(path); // another word
                var text = $"{File.Create(path)}"; // found: File.Create(path)
        #if NEVER
                File.Create(path);
        #endif
            }

            static int CreateMore(string path) => path.Length;
        }
        """;

    private static readonly string[] Words = ["Create", "Open", "FileStream", "new", "base", "this", "Base"];

    [Fact]
    public void Every_call_named_by_a_word_is_found_and_nothing_else()
    {
        var tree = CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Preview));

        var found = NameOccurrences.FindCalls(tree, Words, null, CancellationToken.None).Select(n => n.ToString()).Order(StringComparer.Ordinal).ToList();

        var expected = Source.Split('\n')
            .Select(line => line.IndexOf("// found: ", StringComparison.Ordinal) is var at and >= 0 ? line[(at + "// found: ".Length)..].Split(" (")[0].TrimEnd() : null)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(12, expected.Count);
        Assert.Equal(expected, found);
    }

    [Fact]
    public void Only_the_span_an_IDE_asks_about_is_searched()
    {
        var tree = CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Preview));
        var text = tree.GetText();
        var line = text.Lines.Single(l => l.ToString().Contains("Info?.Open", StringComparison.Ordinal)).Span;

        var found = NameOccurrences.FindCalls(tree, Words, TextSpan.FromBounds(line.Start, line.End), CancellationToken.None).Select(n => n.ToString()).ToList();

        Assert.Equal([".Open(FileMode.Create)"], found);
    }
}
