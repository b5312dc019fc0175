namespace AgentOs.Sdk.Tests;

/// <summary>
/// Finds the AgentOs.Sdk.TestHost program, which the test project's build copies next to the tests
/// (target CopyTestHostBesideTests in AgentOs.Sdk.Tests.csproj), so the path works in Debug and Release and under dotnet test.
/// </summary>
internal static class TestHostProgram
{
    /// <summary>The TestHost's executable (its apphost), or its .dll when the build made no apphost (the pool then runs it with dotnet).</summary>
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        string apphost = System.IO.Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "AgentOs.Sdk.TestHost.exe" : "AgentOs.Sdk.TestHost");
        if (File.Exists(apphost))
        {
            return apphost;
        }

        string dll = System.IO.Path.Combine(AppContext.BaseDirectory, "AgentOs.Sdk.TestHost.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException(
                $"AgentOs.Sdk.TestHost was not copied next to the tests in '{AppContext.BaseDirectory}'; rebuild AgentOs.Sdk.Tests.", apphost);
    }
}
