using AgentOs.Samples.Tests.TestSupport;

namespace AgentOs.Samples.Tests.Packaging;

/// <summary>
/// Installs the template package into a private hive, creates each template offline, and builds and runs the result against
/// the AgentOs.Sdk package just packed (a local feed, a fresh package cache, the user's packages as a read-only fallback).
/// </summary>
[Trait("Category", "Packaging")]
[Collection(PackagingGroup.Name)]
public sealed class TemplateTests(PackedSolution packed)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Every_template_installs_creates_builds_without_warnings_and_runs()
    {
        using var gate = await AgentOs.Sdk.Tests.Shared.PackagingGate.AcquireAsync(TimeSpan.FromMinutes(10));
        var work = Directory.CreateDirectory(Path.Combine(packed.Work, "templates")).FullName;
        var hive = Path.Combine(work, "hive");
        var cache = Directory.CreateDirectory(Path.Combine(work, "packages")).FullName;
        var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // Only the local feed: AgentOs.Sdk comes fresh from it; everything else from the user's packages, so nothing is downloaded.
        await File.WriteAllTextAsync(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="agentos-local" value="{packed.Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="user-packages" value="{globalPackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = cache };

        var install = await Dotnet(["new", "install", packed.PackagePath("AgentOs.Templates"), "--debug:custom-hive", hive], work, environment);
        Assert.Contains("agentos-app", install.Output, StringComparison.Ordinal);
        Assert.Contains("agentos-worker", install.Output, StringComparison.Ordinal);
        Assert.Contains("agentos-hosted", install.Output, StringComparison.Ordinal);
        Assert.Contains("agentos-workflow", install.Output, StringComparison.Ordinal);

        // agentos-app, with the store path parameter.
        var app = Path.Combine(work, "MyApp");
        await Dotnet(["new", "agentos-app", "-n", "MyApp", "-o", app, "--storePath", "./data", "--debug:custom-hive", hive, "--no-update-check"], work, environment);
        var appProject = await File.ReadAllTextAsync(Path.Combine(app, "MyApp.csproj"));
        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk\" Version=\"{packed.Version}\" />", appProject, StringComparison.Ordinal);
        var appSource = await File.ReadAllTextAsync(Path.Combine(app, "Program.cs"));
        Assert.Contains("Path.GetFullPath(\"./data\")", appSource, StringComparison.Ordinal);
        Assert.DoesNotContain("samples/", appSource, StringComparison.Ordinal);
        await BuildWithoutWarnings(app, environment);
        Assert.True(Directory.Exists(Path.Combine(cache, "agentos.sdk", packed.Version)), $"AgentOs.Sdk {packed.Version} was not restored fresh into {cache}");
        var appRun = await ChildProcess.RunAsync("dotnet", [Path.Combine(app, "bin", "Debug", "net10.0", "MyApp.dll")], app, StepTimeout);
        Assert.True(appRun.ExitCode == 0, appRun.Output);
        Assert.Contains($"Store: {Path.Combine(app, "data", "agentos.db")}", appRun.Output, StringComparison.Ordinal);
        Assert.Contains("OK: store healthy, artifact written, checkpoint verified.", appRun.Output, StringComparison.Ordinal);

        // agentos-worker: killed after step 3, then resumed.
        var worker = Path.Combine(work, "MyWorker");
        await Dotnet(["new", "agentos-worker", "-n", "MyWorker", "-o", worker, "--debug:custom-hive", hive, "--no-update-check"], work, environment);
        Assert.Contains("namespace MyWorker;", await File.ReadAllTextAsync(Path.Combine(worker, "AgentTask.cs")), StringComparison.Ordinal);
        await BuildWithoutWarnings(worker, environment);
        var workerDll = Path.Combine(worker, "bin", "Debug", "net10.0", "MyWorker.dll");
        var killed = await ChildProcess.RunAsync("dotnet", [workerDll, "--crash-after", "3"], worker, StepTimeout);
        Assert.True(killed.ExitCode == 2, killed.Output);
        Assert.Contains("(SIGKILL) as asked", killed.Output, StringComparison.Ordinal);
        var resumed = await ChildProcess.RunAsync("dotnet", [workerDll], worker, StepTimeout);
        Assert.True(resumed.ExitCode == 0, resumed.Output);
        Assert.Contains(Path.Combine(worker, "store", "agent"), killed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("worker: step 1 done", resumed.Output, StringComparison.Ordinal);
        Assert.Contains("task 'research-task' succeeded", resumed.Output, StringComparison.Ordinal);

        // agentos-hosted: a Worker Service on AgentOs.Sdk.Hosting (OpenTelemetry from the user's packages).
        var hosted = Path.Combine(work, "MyHosted");
        await Dotnet(["new", "agentos-hosted", "-n", "MyHosted", "-o", hosted, "--storePath", "./data", "--debug:custom-hive", hive, "--no-update-check"], work, environment);
        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk.Hosting\" Version=\"{packed.Version}\" />", await File.ReadAllTextAsync(Path.Combine(hosted, "MyHosted.csproj")), StringComparison.Ordinal);
        Assert.Contains("namespace MyHosted;", await File.ReadAllTextAsync(Path.Combine(hosted, "DocumentAgent.cs")), StringComparison.Ordinal);
        await BuildWithoutWarnings(hosted, environment);
        var hostedRun = await ChildProcess.RunAsync("dotnet", [Path.Combine(hosted, "bin", "Debug", "net10.0", "MyHosted.dll")], hosted, StepTimeout);
        Assert.True(hostedRun.ExitCode == 0, hostedRun.Output);
        Assert.Contains(Path.Combine(hosted, "data", "agentos.db"), hostedRun.Output, StringComparison.Ordinal);
        Assert.Contains("OK: 3 work items done, 9 checkpoints verified.", hostedRun.Output, StringComparison.Ordinal);
        Assert.Contains("Metric Name: agentos.checkpoint.created", hostedRun.Output, StringComparison.Ordinal);

        // agentos-workflow: an Agent Framework workflow on the two opt-in packages, killed in step 4, then resumed.
        var workflow = Path.Combine(work, "MyWorkflow");
        await Dotnet(["new", "agentos-workflow", "-n", "MyWorkflow", "-o", workflow, "--storePath", "./data", "--debug:custom-hive", hive, "--no-update-check"], work, environment);
        var workflowProject = await File.ReadAllTextAsync(Path.Combine(workflow, "MyWorkflow.csproj"));
        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk.AgentFramework\" Version=\"{packed.Version}\" />", workflowProject, StringComparison.Ordinal);
        Assert.Contains($"<PackageReference Include=\"AgentOs.Sdk.Extensions.AI\" Version=\"{packed.Version}\" />", workflowProject, StringComparison.Ordinal);
        Assert.Contains("namespace MyWorkflow;", await File.ReadAllTextAsync(Path.Combine(workflow, "PublishingWorkflow.cs")), StringComparison.Ordinal);
        await BuildWithoutWarnings(workflow, environment);
        var workflowDll = Path.Combine(workflow, "bin", "Debug", "net10.0", "MyWorkflow.dll");
        var workflowKilled = await ChildProcess.RunAsync("dotnet", [workflowDll, "--crash-after", "4"], workflow, StepTimeout);
        Assert.True(workflowKilled.ExitCode == 128 + 9, workflowKilled.Output);
        Assert.Contains(Path.Combine(workflow, "data"), workflowKilled.Output, StringComparison.Ordinal);
        var workflowResumed = await ChildProcess.RunAsync("dotnet", [workflowDll], workflow, StepTimeout);
        Assert.True(workflowResumed.ExitCode == 0, workflowResumed.Output);
        Assert.Contains("step 4 publish 'leases': model call replayed from the store, tool replayed from the ledger", workflowResumed.Output, StringComparison.Ordinal);
        Assert.Contains("output: published 3 lines", workflowResumed.Output, StringComparison.Ordinal);
        Assert.Equal(3, (await File.ReadAllLinesAsync(Path.Combine(workflow, "data", "published.txt"))).Length);
    }

    private static async Task BuildWithoutWarnings(string project, Dictionary<string, string> environment)
    {
        var build = await Dotnet(["build", "-c", "Debug", "--disable-build-servers", "-nodeReuse:false", "-clp:Summary"], project, environment);
        Assert.Contains("0 Warning(s)", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(": warning ", build.Output, StringComparison.Ordinal);
    }

    private static async Task<ChildProcessResult> Dotnet(string[] arguments, string directory, Dictionary<string, string> environment)
    {
        var result = await ChildProcess.RunAsync("dotnet", arguments, directory, StepTimeout, environment);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Output}");
        return result;
    }
}
