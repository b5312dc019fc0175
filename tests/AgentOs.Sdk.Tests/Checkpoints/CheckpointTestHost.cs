using System.Diagnostics;

namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>Starts <c>AgentOs.Sdk.TestHost</c> (built beside the tests) in one of its checkpoint modes.</summary>
internal static class CheckpointTestHost
{
    /// <summary>tests/AgentOs.Sdk.TestHost/bin/&lt;configuration&gt;/&lt;framework&gt;/AgentOs.Sdk.TestHost.dll, found from this test's own output folder.</summary>
    public static string AssemblyPath
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = output.Name;
            var configuration = output.Parent!.Name;
            var testsFolder = output.Parent.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(testsFolder, "AgentOs.Sdk.TestHost", "bin", configuration, framework, "AgentOs.Sdk.TestHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The test host is not built at '{path}'.", path);
        }
    }

    public static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The test host did not start.");
    }
}
