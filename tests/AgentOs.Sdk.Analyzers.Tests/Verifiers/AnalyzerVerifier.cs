using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace AgentOs.Sdk.Analyzers.Tests.Verifiers;

/// <summary>Runs one analyzer over a snippet; <c>{|AOS001:...|}</c> markup marks where diagnostics must appear.</summary>
internal static class AnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => VerifyAsync(source, editorConfig: null, topLevel: false, withSdk: true, expected);

    public static async Task VerifyAsync(string source, string? editorConfig, bool topLevel, bool withSdk, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        AnalyzerTestSetup.Configure(test.TestState, withSdk);
        if (topLevel)
        {
            test.TestState.OutputKind = OutputKind.ConsoleApplication;
        }

        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", editorConfig));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync(CancellationToken.None);
    }

    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    private sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = AnalyzerTestSetup.ReferenceAssemblies;
            SolutionTransforms.Add(AnalyzerTestSetup.WithLatestLanguage);
        }
    }
}
