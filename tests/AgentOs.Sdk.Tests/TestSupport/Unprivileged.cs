namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>
/// Runs a built program as the unprivileged user nobody (uid 65534) when the tests run as root, so that permission
/// checks really deny: root reads every file. Where the build output is out of nobody's reach (a checkout under a 0700
/// folder), the program runs from a staged copy (<see cref="UnprivilegedStage"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class Unprivileged
{
    /// <summary>Lets every user enter and list a directory the tests created (temp directories are created 0700).</summary>
    public static void MakeTraversable(string directory) =>
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

    /// <summary>Runs <c>dotnet assembly args</c> as nobody.</summary>
    public static ChildProcessResult Run(string assembly, params string[] arguments) =>
        ChildProcess.RunAssembly(assembly, arguments, unprivileged: true);
}
