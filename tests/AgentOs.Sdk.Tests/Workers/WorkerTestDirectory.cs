namespace AgentOs.Sdk.Tests.Workers;

/// <summary>A fresh pool directory under the system temp folder, deleted with everything in it when the test ends.</summary>
internal sealed class WorkerTestDirectory : IDisposable
{
    public WorkerTestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentos-workers-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }
}
