namespace AgentOs.Sdk.Tests.Shared;

/// <summary>
/// A machine-wide lock for tests that run <c>dotnet pack</c>, <c>restore</c> or <c>build</c> as child processes.
/// <c>dotnet test</c> on the solution runs the test assemblies side by side, and NuGet restores started at the same moment by
/// two of them have failed here without logging why; one at a time they pass.
/// </summary>
internal sealed class PackagingGate : IDisposable
{
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "agentos-sdk-packaging-tests.lock");
    private readonly FileStream _lock;

    private PackagingGate(FileStream stream) => _lock = stream;

    /// <summary>Waits (up to <paramref name="timeout"/>) until no other test process holds the gate.</summary>
    public static async Task<PackagingGate> AcquireAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None: on Linux .NET takes an exclusive advisory lock (flock) on the file, released when the process dies.
                return new PackagingGate(new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
    }

    public void Dispose() => _lock.Dispose();
}
