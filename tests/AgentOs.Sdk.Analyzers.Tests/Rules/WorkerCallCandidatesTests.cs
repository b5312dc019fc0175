using AgentOs.Sdk.Analyzers.Internal;
using AgentOs.Sdk.Analyzers.Tests.Support;
using AgentOs.Sdk.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AgentOs.Sdk.Analyzers.Tests.Rules;

/// <summary>
/// AOS002 and AOS003 bind only the calls their syntax prefilter keeps (<c>WorkerCallCandidates</c>): something that may
/// be a delegate passed to a method or type named like a worker API of the compilation. Worker APIs come from
/// AgentOs.Sdk's metadata, from other assemblies that reference it, and from the source's declarations.
/// </summary>
public sealed class WorkerCallCandidatesTests
{
    // Each line ends with "// keep" (may pass a worker entry point: bound) or "// drop" (cannot: never bound).
    private const string Shapes = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using AgentOs.Sdk.Workers;
        using WorkerApi;
        using R = WorkerApi.Runner;
        using Marked = AgentOs.Sdk.Workers.WorkerEntryPointAttribute;

        namespace Shapes;

        public static class Launchers
        {
            public static Task<int> Launch([AgentOs.Sdk.Workers.WorkerEntryPoint] Func<Ctx, CancellationToken, Task<int>> entry) => entry(new Ctx(), default);
            public static Task<int> Aliased([Marked] Func<Ctx, CancellationToken, Task<int>> entry) => entry(new Ctx(), default);
        }

        public class Base
        {
            public Base([WorkerEntryPoint] Func<Ctx, CancellationToken, Task<int>> entry) { }
        }

        public sealed class Derived : Base
        {
            public Derived(Func<Ctx, CancellationToken, Task<int>> entry) : base(entry) { } // keep
            public Derived() : this(Entry) { } // drop
            private static Task<int> Entry(Ctx ctx, CancellationToken ct) => Task.FromResult(1);
        }

        public sealed class Primary(Func<Ctx, CancellationToken, Task<int>> entry) : Base(entry); // keep

        static class Calls
        {
            static Task<int> Entry(Ctx ctx, CancellationToken ct) => Task.FromResult(ctx.WorkerId);

            static void M(LocalScheduler scheduler, int[] values, Func<Ctx, CancellationToken, Task<int>> stored)
            {
                Pool.RunAsync(2, (ctx, ct) => Task.FromResult(1)); // keep
                Pool.RunAsync(2, Entry); // keep
                Pool.RunAsync(2, stored); // keep
                Pool.RunAsync(2, (Func<Ctx, CancellationToken, Task<int>>)Entry); // keep
                Pool.RunAsync(2, new Func<Ctx, CancellationToken, Task<int>>(Entry)); // keep
                Pool.RunAsync(2, delegate (Ctx ctx, CancellationToken ct) { return Task.FromResult(2); }); // keep
                Pool.RunAsync(2, null!); // drop
                WorkerPool.RunAsync(2, static (ctx, ct) => Task.FromResult(3)); // keep
                WorkerPool.Start(2, static (ctx, ct) => Task.FromResult(3)); // keep
                Launchers.Launch(Entry); // keep
                Launchers.Aliased(Entry); // keep
                scheduler.Schedule(Entry); // keep
                _ = new Runner(Entry); // keep
                _ = new R(Entry); // keep
                Runner runner = new(Entry); // keep
                Dictionary<string, int> counts = new(StringComparer.Ordinal); // drop
                _ = values.Select(v => v * 2).Where(v => v > 2).Count(); // drop
                _ = Task.Run(() => 1); // drop
                Pool.RunPlain(2, Entry); // drop
            }
        }
        """;

    [Fact]
    public void Prefilter_binds_what_may_pass_an_entry_point_and_drops_the_rest()
    {
        var compilation = AnalyzerRunner.Compile([("/src/Shapes.cs", Shapes), ("/src/WorkerApi.cs", WorkerApiSnippet.Source)]);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var attribute = compilation.GetTypeByMetadataName(WorkerEntryPointFinder.AttributeMetadataName)!;
        var candidates = WorkerCallCandidates.ForCompilation(compilation, attribute, CancellationToken.None);
        var tree = compilation.SyntaxTrees.First();
        var found = NameOccurrences.FindCalls(tree, candidates.Words, null, CancellationToken.None).ToList();

        // What the rules bind: the calls found through the text (NameOccurrences) that the prefilter keeps.
        var checkedLines = MarkedLines.AssertKeepOrDrop(tree.GetText(), line => found.Any(n => line.Span.Contains(n.Span.Start) && candidates.IsCandidate(n)));

        Assert.Equal(22, checkedLines);
    }

    [Fact]
    public void The_known_worker_APIs_of_AgentOs_Sdk_are_those_its_metadata_declares()
    {
        // The prefilter does not read AgentOs.Sdk's members on every build; this keeps its list true to the assembly.
        var compilation = AnalyzerRunner.Compile([("/src/Empty.cs", "class Empty { }")]);
        var attribute = compilation.GetTypeByMetadataName(WorkerEntryPointFinder.AttributeMetadataName)!;
        Assert.Equal("AgentOs.Sdk", attribute.ContainingAssembly.Identity.Name);

        var scanned = WorkerCallCandidates.ScanAssembly(attribute.ContainingAssembly, attribute, CancellationToken.None);

        Assert.Equal(scanned.Order(StringComparer.Ordinal), WorkerCallCandidates.SdkWorkerApis.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_launcher_from_another_assembly_that_references_the_sdk_is_found_through_its_metadata()
    {
        // The team's launcher lives in a library of its own; the application only sees its metadata.
        const string Library = """
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using AgentOs.Sdk.Workers;

            namespace Team.Launching;

            public static class Fleet
            {
                public static Task<int> Deploy(int count, [WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry) => Task.FromResult(count);
            }
            """;
        const string Application = """
            using System.Threading.Tasks;
            using Team.Launching;

            static class App
            {
                static Task<int> Run(int retries) => Fleet.Deploy(2, (ctx, ct) => Task.FromResult(retries));
            }
            """;
        var references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>().Append(AnalyzerTestSetup.SdkReference).ToList();
        var library = CSharpCompilation.Create(
            "Team.Launching",
            [CSharpSyntaxTree.ParseText(Library, new CSharpParseOptions(LanguageVersion.Preview))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var application = CSharpCompilation.Create(
            "App",
            [CSharpSyntaxTree.ParseText(Application, new CSharpParseOptions(LanguageVersion.Preview), "/src/App.cs")],
            references.Append(MetadataReference.CreateFromImage(image.ToArray())),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(application.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var result = await AnalyzerRunner.RunAsync(application);

        Assert.Empty(result.Exceptions);
        var report = Assert.Single(result.Ours, d => d.Id == "AOS002");
        Assert.Contains("'Fleet.Deploy' captures 'retries'", report.GetMessage(), StringComparison.Ordinal);
    }
}
