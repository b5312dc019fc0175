using AgentOs.Sdk.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;

namespace AgentOs.Sdk.Analyzers.Tests.Verifiers;

/// <summary>Reference assemblies and the real AgentOs.Sdk assembly for every analyzer and code-fix test.</summary>
internal static class AnalyzerTestSetup
{
    /// <summary>
    /// Basic.Reference.Assemblies gives the .NET 10 reference set offline (ReferenceAssemblies.Net.Net100 asks the feed
    /// for a package this registry does not serve). The name only labels the set; nothing is downloaded.
    /// </summary>
    public static ReferenceAssemblies ReferenceAssemblies { get; } = new("net10.0");

    public static MetadataReference SdkReference { get; } = MetadataReference.CreateFromFile(typeof(ArtifactPathAttribute).Assembly.Location);

    public static void Configure(SolutionState state, bool withSdk)
    {
        state.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net100.References.All);
        if (withSdk)
        {
            state.AdditionalReferences.Add(SdkReference);
        }
    }

    /// <summary>Parse options: latest C# so snippets may use every current feature.</summary>
    public static Solution WithLatestLanguage(Solution solution, ProjectId projectId)
    {
        var options = (CSharpParseOptions?)solution.GetProject(projectId)!.ParseOptions;
        return solution.WithProjectParseOptions(projectId, options!.WithLanguageVersion(LanguageVersion.Preview));
    }
}
