using System.Collections.Concurrent;
using System.Collections.Immutable;
using AgentOs.Sdk.Analyzers.Rules;
using AgentOs.Sdk.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Analyzers.Tests.Support;

/// <summary>
/// Runs all our analyzers the way a build or an IDE does (the analyzer driver, not the test framework), over sources
/// that may not compile, and returns our diagnostics together with every exception an analyzer threw (which a build
/// shows as AD0001).
/// </summary>
internal static class AnalyzerRunner
{
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers()
        => [new UseAtomicFileForArtifactsAnalyzer(), new WorkerEntryPointCapturesStateAnalyzer(), new WorkerEntryPointCanBeStaticAnalyzer()];

    public static CSharpCompilation Compile(IEnumerable<(string Path, string Text)> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parse, s.Path)).ToList();
        var references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>().Append(AnalyzerTestSetup.SdkReference);
        return CSharpCompilation.Create("Corpus", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    /// <summary>Whole-compilation analysis, as <c>dotnet build</c> runs it.</summary>
    public static async Task<Result> RunAsync(Compilation compilation, IReadOnlyDictionary<string, string>? globalOptions = null)
    {
        var exceptions = new ConcurrentQueue<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, new GlobalOptionsProvider(globalOptions ?? new Dictionary<string, string>())),
            (exception, analyzer, diagnostic) => exceptions.Enqueue(exception),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(AllAnalyzers(), options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        return new Result(diagnostics, exceptions.ToList());
    }

    /// <summary>Per-document analysis of one span, as an IDE runs it while the user types.</summary>
    public static async Task<Result> RunOnSpanAsync(Compilation compilation, SyntaxTree tree, Microsoft.CodeAnalysis.Text.TextSpan span)
    {
        var exceptions = new ConcurrentQueue<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, analyzer, diagnostic) => exceptions.Enqueue(exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(AllAnalyzers(), options);
        var model = compilation.GetSemanticModel(tree);
        var syntax = await withAnalyzers.GetAnalyzerSyntaxDiagnosticsAsync(tree, CancellationToken.None);
        var semantic = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(model, span, CancellationToken.None);
        return new Result(syntax.AddRange(semantic), exceptions.ToList());
    }

    internal sealed record Result(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<Exception> Exceptions)
    {
        /// <summary>AD0001 is how a build reports an analyzer exception; the driver also hands it to the callback.</summary>
        public IEnumerable<Diagnostic> AnalyzerFailures => Diagnostics.Where(d => d.Id == "AD0001");

        public IEnumerable<Diagnostic> Ours => Diagnostics.Where(d => d.Id.StartsWith("AOS", StringComparison.Ordinal));
    }

    /// <summary>Options as a global <c>.editorconfig</c> (<c>is_global = true</c>) gives them: the same for every file.</summary>
    private sealed class GlobalOptionsProvider(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _options = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

        private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
                => values.TryGetValue(key, out value);
        }
    }
}
