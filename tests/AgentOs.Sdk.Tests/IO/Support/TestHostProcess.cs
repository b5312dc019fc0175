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
        if (asUser is { } id && id != ChildProcess.UnprivilegedId)
        {
            throw new ArgumentOutOfRangeException(nameof(asUser), id, $"The tests drop only to nobody ({ChildProcess.UnprivilegedId}).");
        }

        // The shared runner knows the muxer, setpriv, and where nobody can reach the program (a staged copy if need be).
        var start = ChildProcess.AssemblyStartInfo(AssemblyPath, [mode, .. arguments], unprivileged: asUser is not null);
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
