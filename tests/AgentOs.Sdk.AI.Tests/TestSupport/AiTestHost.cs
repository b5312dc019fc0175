namespace AgentOs.Sdk.AI.Tests.TestSupport;

/// <summary>Where the worker host the tests launch (and SIGKILL) was copied: next to the tests.</summary>
internal static class AiTestHost
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        var apphost = System.IO.Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "AgentOs.Sdk.AI.TestHost.exe" : "AgentOs.Sdk.AI.TestHost");
        if (File.Exists(apphost))
        {
            return apphost;
        }

        var dll = System.IO.Path.Combine(AppContext.BaseDirectory, "AgentOs.Sdk.AI.TestHost.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"AgentOs.Sdk.AI.TestHost was not copied next to the tests in '{AppContext.BaseDirectory}'; rebuild AgentOs.Sdk.AI.Tests.", apphost);
    }
}
