using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>How to launch a worker host: the executable, and the app's .dll when the executable is the <c>dotnet</c> launcher.</summary>
internal sealed record WorkerHostCommand(string FileName, string? AssemblyPath)
{
    public string DisplayName => AssemblyPath is null ? FileName : $"{FileName} {AssemblyPath}";

    public static WorkerHostCommand Resolve(string? hostPath)
    {
        if (hostPath is not null)
        {
            string full = Path.GetFullPath(hostPath);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException(
                    $"The worker host '{full}' does not exist. WorkerPoolOptions.HostPath must name an executable, or a .dll run with dotnet, "
                    + "whose Main begins with `if (WorkerHost.TryRun(args, out int exitCode)) return exitCode;`.", full);
            }

            return full.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                ? new WorkerHostCommand(FindDotnet(), full)
                : new WorkerHostCommand(full, null);
        }

        string processPath = Environment.ProcessPath
            ?? throw new InvalidOperationException("The current process has no executable path; set WorkerPoolOptions.HostPath.");
        if (!IsDotnet(processPath))
        {
            return new WorkerHostCommand(processPath, null);
        }

        // Started as "dotnet app.dll": re-launch the same way.
        string entryPath = GetEntryAssemblyPath();
        if (entryPath.Length == 0)
        {
            throw new InvalidOperationException(
                "The app runs under the dotnet launcher but its entry assembly has no file; set WorkerPoolOptions.HostPath.");
        }

        return new WorkerHostCommand(processPath, entryPath);
    }

    private static bool IsDotnet(string path) =>
        string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase);

    private static string FindDotnet()
    {
        if (Environment.ProcessPath is { } processPath && IsDotnet(processPath))
        {
            return processPath;
        }

        // Set by the .NET SDK for the processes it starts (dotnet test, dotnet run).
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        // The runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        string runtime = RuntimeEnvironment.GetRuntimeDirectory();
        string? root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(runtime))));
        string candidate = Path.Combine(root ?? "", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return root is not null && File.Exists(candidate) ? candidate : "dotnet";
    }

    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "A single-file app is never run by the dotnet launcher; an empty path is reported.")]
    private static string GetEntryAssemblyPath() => Assembly.GetEntryAssembly()?.Location ?? "";
}
