using System.Diagnostics;

namespace AgentOs.Sdk.Tests.IO.Support;

/// <summary>Starts <c>AgentOs.Sdk.TestHost</c> (built beside the tests) in a given mode, optionally as another user.</summary>
public static class TestHostProcess
{
    /// <summary>The user tests drop to when root must not be root: nobody.</summary>
    public const int NobodyId = 65534;

    /// <summary>Full path of the TestHost assembly, built by the test project's reference in the same configuration.</summary>
    public static string AssemblyPath { get; } = FindAssembly();

    /// <summary>Starts a mode with redirected stdin, stdout and stderr.</summary>
    public static Process Start(string mode, params string[] arguments) => StartCore(asUser: null, mode, arguments);

    /// <summary>Starts a mode as user and group <paramref name="userId"/> with no supplementary groups (via setpriv).</summary>
    public static Process StartAs(int userId, string mode, params string[] arguments) => StartCore(userId, mode, arguments);

    private static Process StartCore(int? asUser, string mode, string[] arguments)
    {
        // The test runner is normally "dotnet exec testhost.dll"; reuse that muxer, or find one on PATH.
        string? current = Environment.ProcessPath;
        string dotnet = current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is { } id)
        {
            start.FileName = "setpriv";
            start.ArgumentList.Add($"--reuid={id}");
            start.ArgumentList.Add($"--regid={id}");
            start.ArgumentList.Add("--clear-groups");
            start.ArgumentList.Add(dotnet);
        }
        else
        {
            start.FileName = dotnet;
        }

        start.ArgumentList.Add(AssemblyPath);
        start.ArgumentList.Add(mode);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("The TestHost did not start.");
    }

    private static string FindAssembly()
    {
        // tests/AgentOs.Sdk.Tests/bin/<Configuration>/<tfm>/ -> tests/AgentOs.Sdk.TestHost/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        string testsRoot = here.Parent.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(testsRoot, "AgentOs.Sdk.TestHost", "bin", configuration, tfm, "AgentOs.Sdk.TestHost.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The TestHost was not built where the tests expect it: '{path}'.", path);
    }
}
