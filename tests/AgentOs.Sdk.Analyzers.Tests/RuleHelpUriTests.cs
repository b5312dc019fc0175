using System.Reflection;
using AgentOs.Sdk.Analyzers;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AgentOs.Sdk.Analyzers.Tests;

/// <summary>Every rule has a help link to its own page, and that page exists in docs/rules/.</summary>
public sealed class RuleHelpUriTests
{
    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in AllDescriptors())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Help_link_points_to_an_existing_doc_page_that_documents_the_rule(string id)
    {
        var descriptor = AllDescriptors().Single(d => d.Id == id);
        Assert.Equal(RuleIdentifiers.HelpLinkBaseUri + id + ".md", descriptor.HelpLinkUri);
        Assert.StartsWith("https://github.com/agentos-sdk/agentos-sdk/blob/main/docs/rules/", descriptor.HelpLinkUri, StringComparison.Ordinal);

        var page = Path.Combine(RepositoryRoot(), "docs", "rules", id + ".md");
        Assert.True(File.Exists(page), $"{id}: help link {descriptor.HelpLinkUri} has no page at {page}");
        var text = File.ReadAllText(page);
        Assert.StartsWith("# " + id + ": ", text, StringComparison.Ordinal);
        foreach (var section in new[] { "## Why", "## Bad", "## Good", "## Options", "## How to suppress" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_identifier_has_exactly_one_analyzer_and_an_unshipped_release_entry()
    {
        var ids = typeof(RuleIdentifiers).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name != nameof(RuleIdentifiers.HelpLinkBaseUri))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        var descriptors = AllDescriptors().ToList();
        Assert.Equal(ids.Order(), descriptors.Select(d => d.Id).Order());

        var releases = File.ReadAllText(Path.Combine(RepositoryRoot(), "analyzers", "AgentOs.Sdk.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in descriptors)
        {
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", releases, StringComparison.Ordinal);
        }
    }

    private static IEnumerable<Microsoft.CodeAnalysis.DiagnosticDescriptor> AllDescriptors()
        => typeof(RuleIdentifiers).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .SelectMany(t => ((DiagnosticAnalyzer)Activator.CreateInstance(t)!).SupportedDiagnostics)
            .DistinctBy(d => d.Id);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentOs.Sdk.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AgentOs.Sdk.sln not found above " + AppContext.BaseDirectory);
    }
}
