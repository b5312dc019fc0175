using AgentOs.Sdk.Workers.Internal;

namespace AgentOs.Sdk.Workers;

/// <summary>
/// Runs an entry in several child processes, one per worker, and reports how each ended: the multi-process layout where a crash
/// (even SIGKILL) of one worker cannot take down another, and each worker writes its own database.
/// </summary>
/// <remarks>
/// <para>A worker is the host program (by default the current app, see <see cref="WorkerPoolOptions.HostPath"/>) re-launched with a
/// marker argument; its <c>Main</c> must begin with <c>if (WorkerHost.TryRun(args, out int exitCode)) return exitCode;</c>.</para>
/// <para>The entry must be a static method or a lambda that captures nothing: it is found again in the child by its module and
/// metadata token, and captured variables or a target object cannot cross the process boundary. Pass data through
/// <see cref="WorkerPoolOptions.Arguments"/>.</para>
/// </remarks>
public static class WorkerPool
{
    /// <summary>Runs <paramref name="entry"/> in <paramref name="workerCount"/> worker processes and waits for all of them.</summary>
    /// <param name="workerCount">How many worker processes to start (all at once); at least 1.</param>
    /// <param name="entry">A static method or non-capturing lambda; its <see cref="Task{Int32}"/> result (0 to 255) is the worker's exit code.</param>
    /// <param name="options">Directory, arguments, host, timeout and output callbacks; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Kills every worker (SIGKILL, whole process tree), waits for them to exit, then throws.</param>
    /// <returns>One result per worker, ordered by worker id.</returns>
    /// <exception cref="ArgumentException"><paramref name="entry"/> captures variables, is an instance method, a multicast or dynamic
    /// delegate, or is generic; the message names the problem (for a lambda, the captured variables).</exception>
    /// <exception cref="FileNotFoundException"><see cref="WorkerPoolOptions.HostPath"/> does not exist.</exception>
    /// <exception cref="InvalidOperationException">A worker process could not be started, or its host never reached <see cref="WorkerHost.TryRun"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<IReadOnlyList<WorkerResult>> RunAsync(
        int workerCount,
        [WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry,
        WorkerPoolOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<WorkerResult>>(cancellationToken);
        }

        // Validate and start eagerly, so bad arguments throw at the call rather than from the returned task.
        WorkerPoolRun run = Start(workerCount, entry, options);
        return WaitAndDisposeAsync(run, cancellationToken);
    }

    /// <summary>
    /// Starts <paramref name="entry"/> in <paramref name="workerCount"/> worker processes and returns at once, with a handle to watch,
    /// kill and await them (the building block of chaos drills: wait for a checkpoint line, SIGKILL a worker, start a new one).
    /// </summary>
    /// <param name="workerCount">How many worker processes to start (all at once); at least 1.</param>
    /// <param name="entry">A static method or non-capturing lambda; its <see cref="Task{Int32}"/> result (0 to 255) is the worker's exit code.</param>
    /// <param name="options">Directory, arguments, host, timeout and output callbacks; defaults when <see langword="null"/>.</param>
    /// <returns>The running pool. Dispose it (<c>await using</c>) so that no worker outlives it.</returns>
    /// <exception cref="ArgumentException"><paramref name="entry"/> captures variables, is an instance method, a multicast or dynamic
    /// delegate, or is generic; the message names the problem (for a lambda, the captured variables).</exception>
    /// <exception cref="FileNotFoundException"><see cref="WorkerPoolOptions.HostPath"/> does not exist.</exception>
    /// <exception cref="InvalidOperationException">A worker process could not be started (those already started are killed).</exception>
    public static WorkerPoolRun Start(
        int workerCount,
        [WorkerEntryPoint] Func<WorkerContext, CancellationToken, Task<int>> entry,
        WorkerPoolOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        WorkerEntryReference reference = WorkerEntryReference.FromDelegate(entry, nameof(entry));
        return WorkerPoolRun.Start(workerCount, reference, options ?? new WorkerPoolOptions());
    }

    private static async Task<IReadOnlyList<WorkerResult>> WaitAndDisposeAsync(WorkerPoolRun run, CancellationToken cancellationToken)
    {
        await using (run.ConfigureAwait(false))
        {
            return await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
