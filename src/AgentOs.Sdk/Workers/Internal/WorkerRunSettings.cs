namespace AgentOs.Sdk.Workers.Internal;

/// <summary>The options of one run, copied when it starts (later changes to the options object do not affect it).</summary>
internal sealed class WorkerRunSettings
{
    private Exception? _callbackFailure;

    public required WorkerHostCommand Host { get; init; }

    public required TimeProvider TimeProvider { get; init; }

    public required TimeSpan StartTimeout { get; init; }

    public required int StderrTailLines { get; init; }

    public Action<int, string>? OutputLineReceived { get; init; }

    public Action<int, string>? ErrorLineReceived { get; init; }

    /// <summary>The first exception a line callback threw, if any.</summary>
    public Exception? CallbackFailure => Volatile.Read(ref _callbackFailure);

    /// <summary>Calls a line callback; an exception is kept for the end of the run, so the pipe keeps being read.</summary>
    public void Notify(Action<int, string>? callback, int workerId, string line)
    {
        if (callback is null)
        {
            return;
        }

        try
        {
            callback(workerId, line);
        }
        catch (Exception ex)
        {
            // Never let a callback stop the reading of a pipe: a full pipe would block the worker.
            Interlocked.CompareExchange(ref _callbackFailure, ex, null);
        }
    }
}
