using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos;

public sealed partial class ChaosDrillContext
{
    /// <summary>Worker-pool options for this drill: a folder inside the drill's, and the configured worker host.</summary>
    /// <param name="name">The pool's folder name inside the drill's folder.</param>
    public WorkerPoolOptions WorkerOptions(string name)
    {
        var options = new WorkerPoolOptions
        {
            Directory = PathOf(name),
            HostPath = Options.WorkerHostPath,
            // A drill never waits forever on a stuck worker.
            Timeout = TimeSpan.FromMinutes(3),
        };
        options.Arguments["synchronous"] = Options.Store.Synchronous.ToString();
        options.Arguments["busy_timeout_ms"] = (long)Options.Store.BusyTimeout.TotalMilliseconds;
        return options;
    }
}
