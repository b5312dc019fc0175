namespace AgentOs.Sdk.Hosting.Tests;

/// <summary>A fresh directory under the system temp folder, deleted when the test ends.</summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentos-hosting-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // No SqliteConnection.ClearAllPools() here: it would close the pools of hosts that other tests are running
        // (taking their -shm file away mid-check); each host disposes its own store, which clears its pool.
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is not a test failure.
        }
    }
}
