using System.Text.Json.Nodes;

namespace AgentOs.Sdk.Workers;

/// <summary>Options for <see cref="WorkerPool.RunAsync"/> and <see cref="WorkerPool.Start"/>.</summary>
public sealed class WorkerPoolOptions
{
    /// <summary>
    /// The pool directory: each worker gets <c>worker_&lt;id&gt;.db</c> and <c>artifacts/worker_&lt;id&gt;</c> under it.
    /// Default: a new folder <c>./store/workers/&lt;UTC time&gt;-&lt;random&gt;</c> under the current directory.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// Arguments passed to every worker as JSON (read them with <see cref="WorkerContext.GetArgument{T}(string)"/>), for example
    /// <c>Arguments = { ["prompts"] = 1000 }</c>.
    /// </summary>
    public JsonObject Arguments { get; } = [];

    /// <summary>
    /// The program to launch as a worker: an executable, or a <c>.dll</c> run with <c>dotnet</c>. Its <c>Main</c> must begin with
    /// <c>if (WorkerHost.TryRun(args, out int exitCode)) return exitCode;</c>. Default: the current app
    /// (<see cref="Environment.ProcessPath"/>, plus the entry assembly when that is the <c>dotnet</c> launcher).
    /// </summary>
    public string? HostPath { get; set; }

    /// <summary>
    /// The longest the run may take; when it elapses every worker still running is killed with SIGKILL and reported with
    /// <see cref="WorkerResult.TimedOut"/>. Default: no limit.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// How long a worker process may take to reach <see cref="WorkerHost.TryRun"/>. A host that does not (its <c>Main</c> lacks the
    /// line) is killed and the run fails with an <see cref="InvalidOperationException"/>. Default: 30 seconds.
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many of the last standard-error lines <see cref="WorkerResult.StderrTail"/> keeps (lines longer than 8,192 characters are split). Default: 50.</summary>
    public int StderrTailLines { get; set; } = 50;

    /// <summary>Environment variables set (or, with a <see langword="null"/> value, removed) in every worker process.</summary>
    public IDictionary<string, string?> EnvironmentVariables { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// Called with the worker id and each line the worker writes to standard output, on a thread-pool thread: in order for one
    /// worker, concurrently for different workers. Keep it short: the worker's pipe is not read while it runs. An exception it
    /// throws fails the run once every worker has exited.
    /// </summary>
    public Action<int, string>? OutputLineReceived { get; set; }

    /// <summary>Like <see cref="OutputLineReceived"/>, for standard error.</summary>
    public Action<int, string>? ErrorLineReceived { get; set; }

    /// <summary>The clock for <see cref="Timeout"/>, <see cref="StartTimeout"/> and durations. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
