using System.IO.Compression;
using Xunit.Abstractions;

namespace AgentOs.Sdk.Analyzers.Tests.Packaging;

/// <summary>
/// The analyzers reach a team through the AgentOs.Sdk package alone: pack it, build a throwaway consumer from a local
/// feed with a fresh package cache, find AOS001 and AOS002 where they belong, and let <c>dotnet format</c> apply the
/// AOS001 fix. Slow (several dotnet invocations), so it is one test.
/// </summary>
[Trait("Category", "Packaging")]
public sealed class PackageConsumerTests : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    private const string ConsumerProgram = """
        using System.IO;
        using System.Threading.Tasks;
        using AgentOs.Sdk.Workers;

        if (WorkerHost.TryRun(args, out var workerExitCode))
        {
            return workerExitCode;
        }

        var root = args.Length > 0 ? args[0] : ".";
        File.WriteAllText(Path.Combine(root, "artifacts", "report.json"), "{}");
        var retries = 3;
        var results = await WorkerPool.RunAsync(2, (ctx, ct) => Task.FromResult(ctx.WorkerId + retries));
        return results.Count;
        """;

    private readonly ITestOutputHelper _output;
    private readonly string _work = Path.Combine(Path.GetTempPath(), "aos-package-" + Guid.NewGuid().ToString("N")[..12]);

    public PackageConsumerTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_work);
    }

    [Fact]
    public async Task Package_carries_the_analyzers_and_a_consumer_build_reports_and_fixes_them()
    {
        using var gate = await AgentOs.Sdk.Tests.Shared.PackagingGate.AcquireAsync(TimeSpan.FromMinutes(10));
        var root = RepositoryRoot();
        var feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;

        // A version never used before, so no package cache can hide this build of the package.
        var version = "0.0.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N")[..6];
        // Pack a copy of the sources: packing in place would rebuild the shared bin/ folders with this throwaway version
        // while other test assemblies run child processes from them.
        var sources = CopySources(root, Path.Combine(_work, "repo"));
        var pack = await RunAsync("dotnet", ["pack", Path.Combine(sources, "src", "AgentOs.Sdk", "AgentOs.Sdk.csproj"), "-c", "Release", "-o", feed, "-p:Version=" + version, "--disable-build-servers"], sources, environment: null);
        if (pack.ExitCode != 0)
        {
            // A restore that fails without logging an error has been seen once on a loaded machine: try once more, and keep both logs.
            _output.WriteLine("dotnet pack failed once; retrying:\n" + pack.Output);
            var first = pack.Output;
            pack = await RunAsync("dotnet", ["pack", Path.Combine(sources, "src", "AgentOs.Sdk", "AgentOs.Sdk.csproj"), "-c", "Release", "-o", feed, "-p:Version=" + version, "--disable-build-servers"], sources, environment: null);
            Assert.True(pack.ExitCode == 0, "dotnet pack failed twice:\n" + first + "\n--- retry ---\n" + pack.Output);
        }

        var package = Path.Combine(feed, $"AgentOs.Sdk.{version}.nupkg");
        Assert.True(File.Exists(package), $"no {package} after pack:\n{pack.Output}");
        using (var zip = ZipFile.OpenRead(package))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("lib/net10.0/AgentOs.Sdk.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/AgentOs.Sdk.Analyzers.dll", entries);
            Assert.Contains("analyzers/dotnet/cs/AgentOs.Sdk.CodeFixes.dll", entries);
        }

        // The consumer: outside the repository (none of its Directory.*.props apply), a nuget.config that adds the
        // local feed to the user's sources, and a fresh package cache. The user's global packages folder is a
        // read-only fallback, so only AgentOs.Sdk is fetched fresh (from the feed) and nothing else is downloaded.
        var consumer = Directory.CreateDirectory(Path.Combine(_work, "consumer")).FullName;
        var cache = Directory.CreateDirectory(Path.Combine(_work, "packages")).FullName;
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="agentos-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <RestoreAdditionalProjectFallbackFolders>{globalPackages}</RestoreAdditionalProjectFallbackFolders>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AgentOs.Sdk" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        var programPath = Path.Combine(consumer, "Program.cs");
        File.WriteAllText(programPath, ConsumerProgram);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = cache };

        var build = await RunAsync("dotnet", ["build", "Consumer.csproj", "-c", "Debug", "--disable-build-servers", "-nodeReuse:false"], consumer, environment);
        Assert.True(build.ExitCode == 0, "consumer build failed:\n" + build.Output);
        Assert.True(Directory.Exists(Path.Combine(cache, "agentos.sdk", version)), $"AgentOs.Sdk {version} was not restored into the fresh cache {cache}:\n{build.Output}");

        var (writeLine, writeColumn) = Position(ConsumerProgram, "File.WriteAllText(");
        var (lambdaLine, lambdaColumn) = Position(ConsumerProgram, "(ctx, ct) =>");
        AssertReported(build.Output, $"Program.cs({writeLine},{writeColumn}): warning AOS001:", "/artifacts/report.json' (matches '**/artifacts/**')");
        AssertReported(build.Output, $"Program.cs({lambdaLine},{lambdaColumn}): warning AOS002:", "passed to 'WorkerPool.RunAsync' captures 'retries'");

        var format = await RunAsync("dotnet", ["format", "analyzers", "Consumer.csproj", "--diagnostics", "AOS001", "--severity", "warn", "--no-restore", "-v", "normal"], consumer, environment);
        var fixedProgram = File.ReadAllText(programPath);
        var rewritten = fixedProgram.Contains("AtomicFile.WriteAllText(Path.Combine(root, \"artifacts\", \"report.json\"), \"{}\");", StringComparison.Ordinal)
            && fixedProgram.Contains("using AgentOs.Sdk.IO;", StringComparison.Ordinal)
            && !System.Text.RegularExpressions.Regex.IsMatch(fixedProgram, @"(?<![A-Za-z])File\.WriteAllText\(");
        Assert.True(rewritten, $"dotnet format did not rewrite the write to AtomicFile (exit {format.ExitCode}).\nProgram.cs now:\n{fixedProgram}\nformat output:\n{format.Output}");

        // Only AOS001 was asked for: the worker lambda is untouched.
        Assert.Contains("(ctx, ct) => Task.FromResult(ctx.WorkerId + retries)", fixedProgram, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException exception)
        {
            _output.WriteLine($"could not delete {_work}: {exception.Message}");
        }
    }

    private static void AssertReported(string buildOutput, string locationAndId, string messagePart)
    {
        var lines = buildOutput.Split('\n').Where(line => line.Contains(locationAndId, StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count > 0, $"expected '{locationAndId}' in the build output:\n{buildOutput}");
        Assert.True(lines.Any(line => line.Contains(messagePart, StringComparison.Ordinal)), $"'{locationAndId}' lacks '{messagePart}':\n{string.Join("\n", lines)}");
    }

    /// <summary>1-based line and column of the first occurrence, as the compiler prints them.</summary>
    private static (int Line, int Column) Position(string text, string value)
    {
        var index = text.IndexOf(value, StringComparison.Ordinal);
        Assert.True(index >= 0, value);
        var before = text[..index];
        var line = before.Count(c => c == '\n') + 1;
        var column = index - (before.LastIndexOf('\n') + 1) + 1;
        return (line, column);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, string directory, Dictionary<string, string>? environment)
    {
        var result = await ChildProcess.RunAsync(fileName, arguments, directory, StepTimeout, environment);
        _output.WriteLine($"$ {fileName} {string.Join(' ', arguments)}  (exit {result.ExitCode}, {result.Elapsed.TotalSeconds:F1} s)");
        return (result.ExitCode, result.Output);
    }

    /// <summary>Copies what packing AgentOs.Sdk needs (its sources, the analyzers, the shared props), without bin/ and obj/.</summary>
    private static string CopySources(string root, string destination)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
        {
            Directory.CreateDirectory(destination);
            File.Copy(Path.Combine(root, file), Path.Combine(destination, file));
        }

        foreach (var folder in new[] { "src", "analyzers", "docs" })
        {
            CopyTree(Path.Combine(root, folder), Path.Combine(destination, folder));
        }

        return destination;
    }

    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            var name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj"))
            {
                CopyTree(directory, Path.Combine(destination, name));
            }
        }
    }

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
