using System.Collections.Immutable;
using AgentOs.Sdk.Analyzers.Rules;
using AgentOs.Sdk.IO;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// What our analyzers add to a compile: a generated codebase of about 100,000 lines (see <see cref="AnalyzerCodebase"/>)
/// compiled to diagnostics without analyzers (the baseline), with all our rules, and with each rule alone. Every
/// iteration starts from a fresh compilation over the same parsed trees, so no bound state is reused. The setup also
/// prints the analyzer driver's own per-rule execution time (what <c>-p:ReportAnalyzer=true</c> shows in MSBuild).
/// </summary>
/// <remarks>
/// Two reference points separate our cost from what any build already pays: the analyzer driver with a no-op syntax
/// analyzer, and with a no-op operation analyzer (the .NET SDK's default CA rules register operation actions, so a
/// real <c>dotnet build</c> always binds every method body for analyzers).
/// </remarks>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 2)]
[MemoryDiagnoser]
public class AnalyzerBenchmarks
{
    // 100 files x 11 classes x ~92 lines ~ 101,000 lines.
    private const int Files = 100;
    private const int ClassesPerFile = 11;

    private CSharpCompilation _compilation = null!;
    private AnalyzerOptions _options = null!;

    [GlobalSetup(Targets = [nameof(CompilerOnly), nameof(DriverOnly), nameof(DriverWithOperations), nameof(DriverWithOperationsAndAllRules), nameof(Aos001), nameof(Aos002), nameof(Aos003)])]
    public void Setup() => Build(printTelemetry: false);

    /// <summary>The all-rules benchmark also prints the driver's per-rule times once.</summary>
    [GlobalSetup(Target = nameof(AllRules))]
    public void SetupWithTelemetry() => Build(printTelemetry: true);

    private void Build(bool printTelemetry)
    {
        var trees = AnalyzerCodebase.Generate(Files, ClassesPerFile)
            .Select((text, i) => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), path: $"/src/Module{i}.cs"))
            .ToList();
        var lines = trees.Sum(t => t.GetText().Lines.Count);
        var references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ArtifactPathAttribute).Assembly.Location));
        _compilation = CSharpCompilation.Create("Generated", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        _options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty);

        var errors = _compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("the generated codebase does not compile: " + errors[0]);
        }

        if (printTelemetry)
        {
            PrintTelemetry(lines);
        }
    }

    [Benchmark(Baseline = true, Description = "compiler only")]
    public int CompilerOnly() => Fresh().GetDiagnostics().Length;

    [Benchmark(Description = "compiler + no-op syntax analyzer (driver only)")]
    public Task<int> DriverOnly() => WithAnalyzers(new NoOpAnalyzer(useOperations: false));

    [Benchmark(Description = "compiler + no-op operation analyzer (like the SDK's CA rules)")]
    public Task<int> DriverWithOperations() => WithAnalyzers(new NoOpAnalyzer(useOperations: true));

    [Benchmark(Description = "compiler + no-op operation analyzer + AOS001..AOS003")]
    public Task<int> DriverWithOperationsAndAllRules() => WithAnalyzers(new NoOpAnalyzer(useOperations: true), new UseAtomicFileForArtifactsAnalyzer(), new WorkerEntryPointCapturesStateAnalyzer(), new WorkerEntryPointCanBeStaticAnalyzer());

    [Benchmark(Description = "compiler + AOS001..AOS003")]
    public Task<int> AllRules() => WithAnalyzers(new UseAtomicFileForArtifactsAnalyzer(), new WorkerEntryPointCapturesStateAnalyzer(), new WorkerEntryPointCanBeStaticAnalyzer());

    [Benchmark(Description = "compiler + AOS001")]
    public Task<int> Aos001() => WithAnalyzers(new UseAtomicFileForArtifactsAnalyzer());

    [Benchmark(Description = "compiler + AOS002")]
    public Task<int> Aos002() => WithAnalyzers(new WorkerEntryPointCapturesStateAnalyzer());

    [Benchmark(Description = "compiler + AOS003")]
    public Task<int> Aos003() => WithAnalyzers(new WorkerEntryPointCanBeStaticAnalyzer());

    private CSharpCompilation Fresh() => _compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(_compilation.SyntaxTrees);

    private async Task<int> WithAnalyzers(params DiagnosticAnalyzer[] analyzers)
    {
        var withAnalyzers = Fresh().WithAnalyzers(ImmutableArray.Create(analyzers), _options);
        var diagnostics = await withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None).ConfigureAwait(false);
        return diagnostics.Length;
    }

    // A measuring stick, never loaded by a compiler: the analyzer-author rules (net10.0 target, extended rules,
    // release tracking) are about analyzers that ship.
#pragma warning disable RS1041, RS1036, RS2008

    /// <summary>A reference analyzer that reports nothing: it only makes the driver do its fixed work.</summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class NoOpAnalyzer : DiagnosticAnalyzer
    {
        private static readonly DiagnosticDescriptor Never = new("NOOP", "No-op", "No-op", "Benchmark", DiagnosticSeverity.Hidden, isEnabledByDefault: true);
        private readonly bool _useOperations;

        public NoOpAnalyzer(bool useOperations) => _useOperations = useOperations;

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Never);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            if (_useOperations)
            {
                context.RegisterOperationAction(static _ => { }, OperationKind.Invocation);
            }
            else
            {
                context.RegisterSyntaxNodeAction(static _ => { }, Microsoft.CodeAnalysis.CSharp.SyntaxKind.InvocationExpression);
            }
        }
    }
#pragma warning restore RS1041, RS1036, RS2008

    /// <summary>Per-rule execution time as the analyzer driver measures it, next to the plain compile time.</summary>
    private void PrintTelemetry(int lines)
    {
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new UseAtomicFileForArtifactsAnalyzer(), new WorkerEntryPointCapturesStateAnalyzer(), new WorkerEntryPointCanBeStaticAnalyzer());
        for (var round = 0; round < 2; round++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var compilerDiagnostics = Fresh().GetDiagnostics();
            var compileTime = watch.Elapsed;

            var withAnalyzers = Fresh().WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(_options, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
            watch.Restart();
            var result = withAnalyzers.GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
            var analysisTime = watch.Elapsed;

            Console.WriteLine($"// telemetry round {round}: {lines:N0} lines, compiler diagnostics {compileTime.TotalMilliseconds:F0} ms ({compilerDiagnostics.Length} diagnostics), GetAnalysisResultAsync {analysisTime.TotalMilliseconds:F0} ms");
            foreach (var analyzer in analyzers)
            {
                var info = result.AnalyzerTelemetryInfo[analyzer];
                var reported = result.GetAllDiagnostics(analyzer).Length;
                Console.WriteLine($"//   {analyzer.SupportedDiagnostics[0].Id} {analyzer.GetType().Name}: {info.ExecutionTime.TotalMilliseconds:F1} ms = {100 * info.ExecutionTime.TotalMilliseconds / compileTime.TotalMilliseconds:F2}% of the compile, {info.SyntaxNodeActionsCount} syntax-node actions, {reported} diagnostics");
            }
        }
    }
}
