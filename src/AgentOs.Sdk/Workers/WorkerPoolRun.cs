using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentOs.Sdk.Workers.Internal;

namespace AgentOs.Sdk.Workers;

/// <summary>
/// A started pool of worker processes (from <see cref="WorkerPool.Start"/>): the workers, a way to kill one or all, and the wait
/// for their results. Dispose it to kill whatever still runs and wait for it, so no worker outlives the run.
/// </summary>
public sealed class WorkerPoolRun : IAsyncDisposable
{
    private readonly WorkerProcess[] _workers;
    private readonly WorkerRunSettings _settings;
    private readonly CancellationTokenSource? _timeout;
    private readonly Task<IReadOnlyList<WorkerResult>> _completion;

    private WorkerPoolRun(string directory, WorkerProcess[] workers, WorkerRunSettings settings, TimeSpan? timeout)
    {
        Directory = directory;
        _workers = workers;
        _settings = settings;
        foreach (WorkerProcess worker in workers)
        {
            _ = KillAllWhenStartFailsAsync(worker);
        }

        if (timeout is { } limit)
        {
            _timeout = new CancellationTokenSource(limit, settings.TimeProvider);
            _timeout.Token.Register(static state => ((WorkerPoolRun)state!).OnTimeout(), this);
        }

        _completion = CompleteAsync();
    }

    /// <summary>The pool directory (absolute): <c>worker_&lt;id&gt;.db</c> and <c>artifacts/worker_&lt;id&gt;</c> of each worker are under it.</summary>
    public string Directory { get; }

    /// <summary>The worker processes, by worker id.</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>
    /// Waits for every worker to exit and returns their results, ordered by worker id. Cancelling kills every worker still
    /// running (and its descendants) with SIGKILL, waits for them to exit, and then throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="cancellationToken">Kills the workers and abandons the results.</param>
    /// <returns>One result per worker.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">A worker's host never started it (its <c>Main</c> lacks the <see cref="WorkerHost.TryRun"/> line), or an output callback threw.</exception>
    public async Task<IReadOnlyList<WorkerResult>> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return await _completion.ConfigureAwait(false);
        }

        IReadOnlyList<WorkerResult> results;
        using (cancellationToken.Register(static state => ((WorkerPoolRun)state!).Kill(), this))
        {
            try
            {
                results = await _completion.ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    /// <summary>Kills every worker still running, and its descendants, with SIGKILL.</summary>
    public void Kill()
    {
        foreach (WorkerProcess worker in _workers)
        {
            worker.Kill();
        }
    }

    /// <summary>Kills every worker still running and waits until all have exited and their output is read.</summary>
    /// <returns>A task that completes when no worker of this run is left.</returns>
    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Reported by WaitAsync; disposing only guarantees that nothing is left running.
        }
    }

    internal static WorkerPoolRun Start(int workerCount, WorkerEntryReference entry, WorkerPoolOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.StderrTailLines, "options.StderrTailLines");
        ArgumentNullException.ThrowIfNull(options.TimeProvider, "options.TimeProvider");
        if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException("options.Timeout", timeout, "The timeout must be positive.");
        }

        if (options.StartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException("options.StartTimeout", options.StartTimeout, "The start timeout must be positive.");
        }

        var settings = new WorkerRunSettings
        {
            Host = WorkerHostCommand.Resolve(options.HostPath),
            TimeProvider = options.TimeProvider,
            StartTimeout = options.StartTimeout,
            StderrTailLines = options.StderrTailLines,
            OutputLineReceived = options.OutputLineReceived,
            ErrorLineReceived = options.ErrorLineReceived,
        };

        string directory = Path.GetFullPath(options.Directory ?? DefaultDirectory(options.TimeProvider));
        for (int id = 0; id < workerCount; id++)
        {
            System.IO.Directory.CreateDirectory(WorkerContext.GetArtifactsDirectory(directory, id));
        }

        string specLine = SerializeSpec(directory, workerCount, entry, options);
        var workers = new List<WorkerProcess>(workerCount);
        try
        {
            for (int id = 0; id < workerCount; id++)
            {
                workers.Add(WorkerProcess.Start(id, CreateStartInfo(settings.Host, id, options), specLine, settings));
            }
        }
        catch (Exception ex)
        {
            // Leave nothing behind: kill the workers already started, wait for them, remove the spec.
            foreach (WorkerProcess started in workers)
            {
                started.Kill();
            }

            foreach (WorkerProcess started in workers)
            {
                try
                {
                    // Killed above, so the wait is short; it makes sure nothing outlives the failed start.
                    started.Completion.GetAwaiter().GetResult();
                }
                catch (InvalidOperationException)
                {
                    // Its outcome does not matter any more.
                }
            }

            throw new InvalidOperationException(
                $"Cannot start worker {workers.Count} of {workerCount} with the host '{settings.Host.DisplayName}': {ex.Message}", ex);
        }

        return new WorkerPoolRun(directory, [.. workers], settings, options.Timeout);
    }

    private async Task<IReadOnlyList<WorkerResult>> CompleteAsync()
    {
        try
        {
            WorkerResult[] results = await Task.WhenAll(_workers.Select(w => w.Completion)).ConfigureAwait(false);
            if (_settings.CallbackFailure is { } failure)
            {
                throw new InvalidOperationException(
                    $"A WorkerPoolOptions.OutputLineReceived or ErrorLineReceived callback threw {failure.GetType().Name}: {failure.Message}", failure);
            }

            return results;
        }
        finally
        {
            _timeout?.Dispose();
        }
    }

    private async Task KillAllWhenStartFailsAsync(WorkerProcess worker)
    {
        try
        {
            await worker.Completion.ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // A host that cannot start one worker cannot start the others either: do not let them wait for the start timeout.
            Kill();
        }
    }

    private void OnTimeout()
    {
        foreach (WorkerProcess worker in _workers)
        {
            worker.KillForTimeout();
        }
    }

    private static string DefaultDirectory(TimeProvider timeProvider)
    {
        string runId = string.Create(
            CultureInfo.InvariantCulture,
            $"{timeProvider.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4)}");
        return Path.Combine("store", "workers", runId);
    }

    private static string SerializeSpec(string directory, int workerCount, WorkerEntryReference entry, WorkerPoolOptions options)
    {
        string arguments;
        try
        {
            arguments = options.Arguments.ToJsonString();
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
        {
            throw new ArgumentException($"WorkerPoolOptions.Arguments cannot be written as JSON: {ex.Message}", nameof(options), ex);
        }

        return new WorkerSpec(
            entry.AssemblyName,
            entry.AssemblyPath,
            entry.ModuleVersionId,
            entry.MetadataToken,
            entry.DeclaringType,
            entry.MethodName,
            workerCount,
            directory,
            arguments).Format();
    }

    private static ProcessStartInfo CreateStartInfo(WorkerHostCommand host, int workerId, WorkerPoolOptions options)
    {
        var startInfo = new ProcessStartInfo(host.FileName)
        {
            UseShellExecute = false,
            // Standard input carries the spec, then is the parent-liveness pipe: the worker's watchdog kills it when the parent's end closes.
            RedirectStandardInput = true,
            // Both outputs are drained continuously, so a chatty worker never blocks on a full pipe.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };

        if (host.AssemblyPath is not null)
        {
            startInfo.ArgumentList.Add(host.AssemblyPath);
        }

        startInfo.ArgumentList.Add(WorkerProtocol.MarkerArgument);
        startInfo.ArgumentList.Add(workerId.ToString(CultureInfo.InvariantCulture));
        foreach ((string name, string? value) in options.EnvironmentVariables)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }

}
