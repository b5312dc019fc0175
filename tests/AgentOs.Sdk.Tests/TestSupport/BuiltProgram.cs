namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>Finds the programs the tests launch as child processes, built beside the tests with the same configuration.</summary>
public static class BuiltProgram
{
    /// <summary>The TestHost's main assembly (run it with <c>dotnet</c>), which the build copies beside the tests.</summary>
    public static string TestHost => Path.Combine(Path.GetDirectoryName(TestHostProgram.Path)!, "AgentOs.Sdk.TestHost.dll");

    /// <summary>The <c>agentos</c> command-line tool's main assembly.</summary>
    public static string Cli => Find("src/AgentOs.Cli", "agentos.dll");

    private static string Find(string projectDirectory, string assembly)
    {
        // The tests run from <repo>/tests/AgentOs.Sdk.Tests/bin/<configuration>/<framework>/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AgentOs.Sdk.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No AgentOs.Sdk.sln above '{AppContext.BaseDirectory}'.");
        }

        var path = Path.Combine(root.FullName, projectDirectory, "bin", configuration, framework, assembly);
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"'{path}' is not built; the test project references it, so build the tests first.");
    }
}
