namespace AgentOs.Sdk.Tests.TestSupport;

/// <summary>A fresh directory under the system temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string? prefix = null)
    {
        Path = Directory.CreateTempSubdirectory(prefix ?? "agentos-test-").FullName;
    }

    private TempDirectory(string parent, string prefix)
    {
        Path = Directory.CreateDirectory(System.IO.Path.Combine(parent, prefix + Guid.NewGuid().ToString("N"))).FullName;
    }

    /// <summary>
    /// A fresh directory in memory (tmpfs, <c>/dev/shm</c>) where the system has one, else under the temp folder: for tests
    /// that time a protocol and must not measure the shared disk's fsync queue.
    /// </summary>
    public static TempDirectory InMemoryIfAvailable(string prefix) =>
        Directory.Exists("/dev/shm") ? new TempDirectory("/dev/shm", prefix) : new TempDirectory(prefix);

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        // Pooled SQLite connections keep files open; close them so the folder can go.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process killed mid-test may still be releasing a file; the OS temp cleaner gets the rest.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
