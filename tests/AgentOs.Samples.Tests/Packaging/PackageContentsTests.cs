using System.IO.Compression;
using System.Xml.Linq;

namespace AgentOs.Samples.Tests.Packaging;

/// <summary>What <c>dotnet pack</c> of the solution produces, and what is inside each package.</summary>
[Trait("Category", "Packaging")]
[Collection(PackagingGroup.Name)]
public sealed class PackageContentsTests(PackedSolution packed)
{
    [Fact]
    public void The_solution_packs_exactly_its_packages_and_their_symbols()
    {
        var files = Directory.GetFiles(packed.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        string[] expected =
        [
            $"AgentOs.Cli.{packed.Version}.nupkg",
            $"AgentOs.Cli.{packed.Version}.snupkg",
            $"AgentOs.Sdk.AgentFramework.{packed.Version}.nupkg",
            $"AgentOs.Sdk.AgentFramework.{packed.Version}.snupkg",
            $"AgentOs.Sdk.Extensions.AI.{packed.Version}.nupkg",
            $"AgentOs.Sdk.Extensions.AI.{packed.Version}.snupkg",
            $"AgentOs.Sdk.HealthChecks.{packed.Version}.nupkg",
            $"AgentOs.Sdk.HealthChecks.{packed.Version}.snupkg",
            $"AgentOs.Sdk.Hosting.{packed.Version}.nupkg",
            $"AgentOs.Sdk.Hosting.{packed.Version}.snupkg",
            $"AgentOs.Sdk.PostgreSql.{packed.Version}.nupkg",
            $"AgentOs.Sdk.PostgreSql.{packed.Version}.snupkg",
            $"AgentOs.Sdk.{packed.Version}.nupkg",
            $"AgentOs.Sdk.{packed.Version}.snupkg",
            $"AgentOs.Templates.{packed.Version}.nupkg",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), files);
    }

    /// <summary>The packages a team adds next to AgentOs.Sdk for its host, its AI stack or its database.</summary>
    public static readonly string[] OptInPackages =
    [
        "AgentOs.Sdk.AgentFramework",
        "AgentOs.Sdk.Extensions.AI",
        "AgentOs.Sdk.HealthChecks",
        "AgentOs.Sdk.Hosting",
        "AgentOs.Sdk.PostgreSql",
    ];

    public static TheoryData<string> OptInPackageIds => [.. OptInPackages];

    private static readonly string[] AllPackages = ["AgentOs.Sdk", "AgentOs.Cli", "AgentOs.Templates", .. OptInPackages];

    [Theory]
    [MemberData(nameof(OptInPackageIds))]
    public void Each_opt_in_package_has_its_library_and_docs_and_depends_on_the_sdk_at_the_same_version(string id)
    {
        var entries = Entries(id);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        Assert.Contains($"lib/net10.0/{id}.pdb", Entries(id, "snupkg"));
        var metadata = Metadata(id);
        AssertPublishable(metadata, id);
        var sdk = metadata.Descendants(metadata.Name.Namespace + "dependency").Single(d => (string)d.Attribute("id")! == "AgentOs.Sdk");
        Assert.Equal(packed.Version, (string)sdk.Attribute("version")!);
    }

    [Fact]
    public void The_sdk_itself_depends_on_no_opt_in_stack()
    {
        var metadata = Metadata("AgentOs.Sdk");
        var dependencies = metadata.Descendants(metadata.Name.Namespace + "dependency").Select(d => (string)d.Attribute("id")!).ToList();
        // The database driver, the host, the AI stack and OpenTelemetry stay in their own packages (or the samples).
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Npgsql", StringComparison.Ordinal));
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal));
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Microsoft.Extensions.AI", StringComparison.Ordinal));
        Assert.DoesNotContain(dependencies, d => d.StartsWith("Microsoft.Agents", StringComparison.Ordinal));
        Assert.DoesNotContain(dependencies, d => d.StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sdk_package_has_the_library_its_docs_the_analyzers_and_the_readme()
    {
        var entries = Entries("AgentOs.Sdk");
        Assert.Contains("lib/net10.0/AgentOs.Sdk.dll", entries);
        Assert.Contains("lib/net10.0/AgentOs.Sdk.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/AgentOs.Sdk.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/AgentOs.Sdk.CodeFixes.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("lib/net10.0/AgentOs.Sdk.pdb", Entries("AgentOs.Sdk", "snupkg"));

        var metadata = Metadata("AgentOs.Sdk");
        AssertPublishable(metadata, "AgentOs.Sdk");
        // Issue 3: the library depends on the health-check abstractions only, never on the full package.
        var dependencies = metadata.Descendants(metadata.Name.Namespace + "dependency").Select(d => (string)d.Attribute("id")!).ToList();
        Assert.Contains("Microsoft.Extensions.Diagnostics.HealthChecks.Abstractions", dependencies);
        Assert.DoesNotContain("Microsoft.Extensions.Diagnostics.HealthChecks", dependencies);
    }

    [Fact]
    public void The_health_checks_package_depends_on_the_sdk_at_the_same_version()
    {
        var entries = Entries("AgentOs.Sdk.HealthChecks");
        Assert.Contains("lib/net10.0/AgentOs.Sdk.HealthChecks.dll", entries);
        Assert.Contains("lib/net10.0/AgentOs.Sdk.HealthChecks.xml", entries);
        var metadata = Metadata("AgentOs.Sdk.HealthChecks");
        AssertPublishable(metadata, "AgentOs.Sdk.HealthChecks");
        var sdk = metadata.Descendants(metadata.Name.Namespace + "dependency").Single(d => (string)d.Attribute("id")! == "AgentOs.Sdk");
        Assert.Equal(packed.Version, (string)sdk.Attribute("version")!);
    }

    [Fact]
    public void The_hosting_package_depends_on_the_sdk_at_the_same_version_and_never_on_OpenTelemetry()
    {
        var entries = Entries("AgentOs.Sdk.Hosting");
        Assert.Contains("lib/net10.0/AgentOs.Sdk.Hosting.dll", entries);
        Assert.Contains("lib/net10.0/AgentOs.Sdk.Hosting.xml", entries);
        var metadata = Metadata("AgentOs.Sdk.Hosting");
        AssertPublishable(metadata, "AgentOs.Sdk.Hosting");
        var dependencies = metadata.Descendants(metadata.Name.Namespace + "dependency").ToList();
        Assert.Equal(packed.Version, (string)dependencies.Single(d => (string)d.Attribute("id")! == "AgentOs.Sdk").Attribute("version")!);
        Assert.Contains(dependencies, d => (string)d.Attribute("id")! == "Microsoft.Extensions.Hosting.Abstractions");
        Assert.DoesNotContain(dependencies, d => ((string)d.Attribute("id")!).StartsWith("OpenTelemetry", StringComparison.Ordinal));
        Assert.DoesNotContain(Metadata("AgentOs.Sdk").Descendants(metadata.Name.Namespace + "dependency"), d => ((string)d.Attribute("id")!).StartsWith("OpenTelemetry", StringComparison.Ordinal));
    }

    [Fact]
    public void The_tool_package_has_the_dotnet_tool_layout()
    {
        var entries = Entries("AgentOs.Cli");
        Assert.Contains("tools/net10.0/any/agentos.dll", entries);
        Assert.Contains("tools/net10.0/any/DotnetToolSettings.xml", entries);
        Assert.Contains("tools/net10.0/any/AgentOs.Sdk.dll", entries);
        Assert.Contains("README.md", entries);
        var metadata = Metadata("AgentOs.Cli");
        AssertPublishable(metadata, "AgentOs.Cli");
        Assert.Contains(metadata.Descendants(metadata.Name.Namespace + "packageType"), t => (string)t.Attribute("name")! == "DotnetTool");
    }

    [Fact]
    public void The_template_package_has_every_template_made_from_the_samples()
    {
        var entries = Entries("AgentOs.Templates");
        Assert.Contains("content/agentos-app/.template.config/template.json", entries);
        Assert.Contains("content/agentos-app/AgentOs.Samples.Quickstart.csproj", entries);
        Assert.Contains("content/agentos-worker/.template.config/template.json", entries);
        Assert.Contains("content/agentos-worker/AgentOs.Samples.ResumableAgent.csproj", entries);
        Assert.Contains("content/agentos-hosted/.template.config/template.json", entries);
        Assert.Contains("content/agentos-hosted/AgentOs.Samples.HostedAgent.csproj", entries);
        Assert.Contains("content/agentos-workflow/.template.config/template.json", entries);
        Assert.Contains("content/agentos-workflow/AgentOs.Samples.AgentFramework.csproj", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));
        var metadata = Metadata("AgentOs.Templates");
        AssertPublishable(metadata, "AgentOs.Templates");
        Assert.Contains(metadata.Descendants(metadata.Name.Namespace + "packageType"), t => (string)t.Attribute("name")! == "Template");

        // The same bytes as the samples: a template cannot drift from the sample it is made from.
        foreach (var (template, sample) in new[] { ("agentos-app", "AgentOs.Samples.Quickstart"), ("agentos-worker", "AgentOs.Samples.ResumableAgent"), ("agentos-hosted", "AgentOs.Samples.HostedAgent"), ("agentos-workflow", "AgentOs.Samples.AgentFramework") })
        {
            var sources = Directory.GetFiles(Path.Combine(TestSupport.Repository.Root, "samples", sample), "*.cs");
            Assert.NotEmpty(sources);
            foreach (var source in sources)
            {
                Assert.Equal(File.ReadAllText(source), Read("AgentOs.Templates", $"content/{template}/{Path.GetFileName(source)}"));
            }
        }

        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk\" Version=\"{packed.Version}\" />", Read("AgentOs.Templates", "content/agentos-app/AgentOs.Samples.Quickstart.csproj"), StringComparison.Ordinal);
        var workflowProject = Read("AgentOs.Templates", "content/agentos-workflow/AgentOs.Samples.AgentFramework.csproj");
        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk.AgentFramework\" Version=\"{packed.Version}\" />", workflowProject, StringComparison.Ordinal);
        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk.Extensions.AI\" Version=\"{packed.Version}\" />", workflowProject, StringComparison.Ordinal);
    }

    [Fact]
    public void No_package_carries_test_or_sample_code()
    {
        foreach (var id in AllPackages)
        {
            var entries = Entries(id);
            Assert.DoesNotContain(entries, e => e.EndsWith(".Tests.dll", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(entries, e => e.Contains("TestHost", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(entries, e => e.Contains("Samples", StringComparison.OrdinalIgnoreCase) && e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(entries, e => e.Contains("xunit", StringComparison.OrdinalIgnoreCase) || e.Contains("Benchmark", StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(entries, e => e.Contains("/bin/", StringComparison.Ordinal) || e.Contains("/obj/", StringComparison.Ordinal));
        }
    }

    private void AssertPublishable(XElement metadata, string id)
    {
        var ns = metadata.Name.Namespace;
        Assert.Equal(id, (string?)metadata.Element(ns + "id"));
        Assert.Equal(packed.Version, (string?)metadata.Element(ns + "version"));
        var license = metadata.Element(ns + "license");
        Assert.Equal("expression", (string?)license?.Attribute("type"));
        Assert.Equal("MIT", (string?)license);
        Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
        Assert.False(string.IsNullOrWhiteSpace((string?)metadata.Element(ns + "description")), $"{id} has no description");
        Assert.False(string.IsNullOrWhiteSpace((string?)metadata.Element(ns + "tags")), $"{id} has no tags");
        var repository = metadata.Element(ns + "repository");
        Assert.Equal("https://github.com/agentos-sdk/agentos-sdk", (string?)repository?.Attribute("url"));
        Assert.Equal("git", (string?)repository?.Attribute("type"));
    }

    private List<string> Entries(string id, string extension = "nupkg")
    {
        using var zip = ZipFile.OpenRead(packed.PackagePath(id, extension));
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private string Read(string id, string entry)
    {
        using var zip = ZipFile.OpenRead(packed.PackagePath(id));
        var found = zip.GetEntry(entry) ?? throw new InvalidOperationException($"{id} has no {entry}");
        using var reader = new StreamReader(found.Open());
        return reader.ReadToEnd();
    }

    private XElement Metadata(string id)
    {
        var nuspec = XDocument.Parse(Read(id, id + ".nuspec"));
        return nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }
}
