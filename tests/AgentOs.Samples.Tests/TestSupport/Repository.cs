namespace AgentOs.Samples.Tests.TestSupport;

/// <summary>Finds the repository and the build output of the samples, built beside the tests with the same configuration.</summary>
public static class Repository
{
    /// <summary>The folder that holds AgentOs.Sdk.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests were built with (Debug or Release).</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The main assembly of sample <paramref name="name"/> (run it with <c>dotnet</c>).</summary>
    public static string Sample(string name)
    {
        // The tests run from <repo>/tests/AgentOs.Samples.Tests/bin/<configuration>/<framework>/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(Root, "samples", name, "bin", here.Parent!.Name, here.Name, name + ".dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"'{path}' is not built; the test project references it, so build the tests first.");
    }

    private static string FindRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AgentOs.Sdk.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException($"No AgentOs.Sdk.sln above '{AppContext.BaseDirectory}'.");
    }
}
