using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace AgentOs.Sdk.Analyzers.Tests.Verifiers;

/// <summary>Runs an analyzer and its fixer: the markup in the source must be fixed into exactly the expected code.</summary>
internal static class CodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task VerifyAsync(string source, string fixedSource, bool topLevel = false)
        => VerifyAsync(new[] { source }, new[] { fixedSource }, topLevel, equivalenceKey: null);

    /// <summary>Several documents; Fix All is checked in document, project and solution scope by the framework.</summary>
    public static async Task VerifyAsync(string[] sources, string[] fixedSources, bool topLevel, string? equivalenceKey, int? iterations = null)
    {
        var test = new Test();
        foreach (var source in sources)
        {
            test.TestState.Sources.Add(source);
        }

        foreach (var fixedSource in fixedSources)
        {
            test.FixedState.Sources.Add(fixedSource);
        }

        AnalyzerTestSetup.Configure(test.TestState, withSdk: true);
        AnalyzerTestSetup.Configure(test.FixedState, withSdk: true);
        if (topLevel)
        {
            test.TestState.OutputKind = OutputKind.ConsoleApplication;
            test.FixedState.OutputKind = OutputKind.ConsoleApplication;
        }

        if (equivalenceKey is not null)
        {
            test.CodeActionEquivalenceKey = equivalenceKey;
        }

        if (iterations is { } count)
        {
            test.NumberOfIncrementalIterations = count;
            test.NumberOfFixAllIterations = 1;
        }

        await test.RunAsync(CancellationToken.None);
    }

    /// <summary>The fixer must offer nothing: the source stays as it is (its diagnostics still reported).</summary>
    public static async Task VerifyNoFixAsync(string source, bool topLevel = false)
    {
        var test = new Test { TestCode = source, FixedCode = source };
        AnalyzerTestSetup.Configure(test.TestState, withSdk: true);
        AnalyzerTestSetup.Configure(test.FixedState, withSdk: true);
        if (topLevel)
        {
            test.TestState.OutputKind = OutputKind.ConsoleApplication;
            test.FixedState.OutputKind = OutputKind.ConsoleApplication;
        }

        await test.RunAsync(CancellationToken.None);
    }

    private sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = AnalyzerTestSetup.ReferenceAssemblies;
            SolutionTransforms.Add(AnalyzerTestSetup.WithLatestLanguage);
        }
    }
}
