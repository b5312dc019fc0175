using System.ComponentModel;
using System.Diagnostics;
using AgentOs.Sdk.Workers.Internal;

namespace AgentOs.Sdk.Workers;

/// <summary>
/// One running worker process of a <see cref="WorkerPoolRun"/>: its process id, a way to kill it, to wait for a line of its
/// output, and to wait for its exit.
/// </summary>
public sealed class WorkerProcess
{
    /// <summary>Lines of standard output kept for <see cref="WaitForOutputAsync"/> to look back at.</summary>
    internal const int OutputTailLines = 100;

    /// <summary>Longer lines are split, so a worker that never writes a newline cannot make the parent buffer without limit.</summary>
    internal const int MaxLineLength = 8192;

    /// <summary>How long to keep using the pipes after the worker exited, in case a descendant still holds them open.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly WorkerRunSettings _settings;
    private readonly long _startTimestamp;
    private readonly Lock _gate = new();
    private readonly LineTail _outputTail = new(OutputTailLines);
    private readonly LineTail _errorTail;
    private readonly List<OutputWaiter> _waiters = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int? _announcedExitCode;
    private bool _killRequested;
    private bool _timedOut;
    private bool _exited;
    private WorkerResult? _result;

    private WorkerProcess(int workerId, Process process, string specLine, WorkerRunSettings settings, long startTimestamp)
    {
        WorkerId = workerId;
        ProcessId = process.Id;
        _process = process;
        _settings = settings;
        _startTimestamp = startTimestamp;
        _errorTail = new LineTail(settings.StderrTailLines);
        Completion = MonitorAsync(specLine);
    }

    /// <summary>The worker's id, from 0 to the worker count minus 1.</summary>
    public int WorkerId { get; }

    /// <summary>The worker's operating-system process id.</summary>
    public int ProcessId { get; }

    /// <summary>Whether the worker has exited and its output has been read to the end.</summary>
    public bool HasExited => Completion.IsCompleted;

    /// <summary>Completes with the result, or faults with an <see cref="InvalidOperationException"/> when the host never started the worker.</summary>
    internal Task<WorkerResult> Completion { get; }

    /// <summary>
    /// Kills the worker and every process it started with SIGKILL (no clean-up code runs, as in a crash). Does nothing when it
    /// has already exited. The result then reports <see cref="WorkerResult.Signal"/> 9, unless the worker exited first.
    /// </summary>
    public void Kill()
    {
        lock (_gate)
        {
            if (_exited)
            {
                return;
            }

            _killRequested = true;
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Win32Exception)
            {
                // It exited between the check and the kill.
            }
        }
    }

    /// <summary>Waits for the worker to exit. Cancelling stops the wait; it does not kill the worker (call <see cref="Kill"/>).</summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>How the worker ended.</returns>
    /// <exception cref="InvalidOperationException">The host never started the worker (its <c>Main</c> does not call <see cref="WorkerHost.TryRun"/>).</exception>
    public Task<WorkerResult> WaitForExitAsync(CancellationToken cancellationToken = default) => Completion.WaitAsync(cancellationToken);

    /// <summary>
    /// Waits until the worker writes a line to standard output that matches <paramref name="predicate"/>, and returns it.
    /// The last 100 lines already written are tested first, then each new line, in order.
    /// </summary>
    /// <param name="predicate">Tests a line. It runs on the thread that reads the worker's output: keep it short.</param>
    /// <param name="cancellationToken">Stops the wait; the worker keeps running.</param>
    /// <returns>The first matching line.</returns>
    /// <exception cref="InvalidOperationException">The worker exited without writing a matching line; the message says how it ended.</exception>
    public Task<string> WaitForOutputAsync(Func<string, bool> predicate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        OutputWaiter waiter;
        lock (_gate)
        {
            foreach (string line in _outputTail.Lines())
            {
                if (predicate(line))
                {
                    return Task.FromResult(line);
                }
            }

            if (_result is not null)
            {
                return Task.FromException<string>(NoMatchingLine(_result));
            }

            waiter = new OutputWaiter(predicate);
            _waiters.Add(waiter);
        }

        return waiter.WaitAsync(this, cancellationToken);
    }

    internal static WorkerProcess Start(int workerId, ProcessStartInfo startInfo, string specLine, WorkerRunSettings settings)
    {
        long startTimestamp = settings.TimeProvider.GetTimestamp();
        var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new WorkerProcess(workerId, process, specLine, settings, startTimestamp);
    }

    /// <summary>Kills the worker because the run's timeout elapsed.</summary>
    internal void KillForTimeout()
    {
        lock (_gate)
        {
            if (_exited)
            {
                return;
            }

            _timedOut = true;
        }

        Kill();
    }

    private async Task<WorkerResult> MonitorAsync(string specLine)
    {
        using var stopReading = new CancellationTokenSource();
        Task output = PumpAsync(_process.StandardOutput, OnOutputLine, stopReading.Token);
        Task error = PumpAsync(_process.StandardError, OnErrorLine, stopReading.Token);
        Task exited = _process.WaitForExitAsync();
        // Concurrently: a large spec fills the pipe until the worker reads it, and a host that never reads must not block the monitor.
        Task sent = SendSpecAsync(_process.StandardInput, specLine, stopReading.Token);

        await WatchStartAsync(exited).ConfigureAwait(false);
        await exited.ConfigureAwait(false);
        TimeSpan duration = _settings.TimeProvider.GetElapsedTime(_startTimestamp);
        await DrainAsync(Task.WhenAll(output, error, sent), stopReading).ConfigureAwait(false);

        int observed;
        string stderrTail;
        lock (_gate)
        {
            _exited = true;
            observed = _process.ExitCode;
            stderrTail = _errorTail.ToString();
        }

        _process.Dispose();

        (int? exitCode, int? signal) = WorkerProtocol.Interpret(observed, _announcedExitCode);
        var result = new WorkerResult(WorkerId, ProcessId, exitCode, signal, duration, stderrTail)
        {
            TimedOut = _timedOut && signal is not null,
        };

        List<OutputWaiter> pending;
        bool neverStarted;
        lock (_gate)
        {
            _result = result;
            pending = [.. _waiters];
            _waiters.Clear();
            neverStarted = !_ready.Task.IsCompleted && !_killRequested;
        }

        foreach (OutputWaiter waiter in pending)
        {
            waiter.Fail(NoMatchingLine(result));
        }

        if (neverStarted)
        {
            throw new InvalidOperationException(
                $"Worker {WorkerId} (process {ProcessId}) {result.Outcome} before the worker host started: '{_settings.Host.DisplayName}' must begin "
                + "its Main with `if (WorkerHost.TryRun(args, out int exitCode)) return exitCode;`."
                + (result.StderrTail.Length > 0 ? $" Its standard error ended with:\n{result.StderrTail}" : ""));
        }

        return result;
    }

    /// <summary>Kills a worker whose host does not reach <see cref="WorkerHost.TryRun"/> in time (for example a Main without the line).</summary>
    private async Task WatchStartAsync(Task exited)
    {
        using var cancel = new CancellationTokenSource();
        Task timeout = Task.Delay(_settings.StartTimeout, _settings.TimeProvider, cancel.Token);
        Task first = await Task.WhenAny(_ready.Task, exited, timeout).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);
        if (first == timeout)
        {
            AddErrorLine($"[agentos] the host did not start the worker within {_settings.StartTimeout}; killed it.");
            Kill();
            lock (_gate)
            {
                // This kill is the pool's diagnosis, not a caller's request: the run must still report the broken host.
                _killRequested = false;
            }
        }
    }

    private async Task DrainAsync(Task readers, CancellationTokenSource stopReading)
    {
        try
        {
            await readers.WaitAsync(DrainGrace, TimeProvider.System).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A descendant of the worker inherited its pipes and keeps them open: stop using them rather than hang the pool.
            await stopReading.CancelAsync().ConfigureAwait(false);
            AddErrorLine("[agentos] stopped reading: a process started by the worker still holds its output open.");
        }
    }

    private static async Task SendSpecAsync(StreamWriter stdin, string specLine, CancellationToken cancellationToken)
    {
        try
        {
            // The write end then stays open, unwritten, for the life of the worker: its closing tells the worker the parent died.
            await stdin.WriteLineAsync(specLine.AsMemory(), cancellationToken).ConfigureAwait(false);
            await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The worker exited without reading its spec (a host without the WorkerHost line): reported from its exit.
        }
    }

    private static async Task PumpAsync(StreamReader stream, Action<string> onLine, CancellationToken cancellationToken)
    {
        var reader = new BoundedLineReader(stream, MaxLineLength);
        try
        {
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                onLine(line);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Reading was stopped (see DrainAsync) or the pipe broke: the result is computed from what was read.
        }
    }

    private void OnOutputLine(string line)
    {
        (string? text, string? control) = WorkerProtocol.Split(line);
        if (control is not null)
        {
            if (control == WorkerProtocol.ReadyCommand)
            {
                _ready.TrySetResult();
            }
            else if (WorkerProtocol.TryParseExit(control, out int code))
            {
                _announcedExitCode = code;
            }
        }

        if (text is null)
        {
            return;
        }

        List<OutputWaiter>? matched = null;
        lock (_gate)
        {
            _outputTail.Add(text);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Matches(text))
                {
                    (matched ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (matched is not null)
        {
            foreach (OutputWaiter waiter in matched)
            {
                waiter.Complete(text);
            }
        }

        _settings.Notify(_settings.OutputLineReceived, WorkerId, text);
    }

    private void OnErrorLine(string line)
    {
        AddErrorLine(line);
        _settings.Notify(_settings.ErrorLineReceived, WorkerId, line);
    }

    private void AddErrorLine(string line)
    {
        // The pool's own notes can arrive while the stderr reader still runs.
        lock (_gate)
        {
            _errorTail.Add(line);
        }
    }

    private InvalidOperationException NoMatchingLine(WorkerResult result) =>
        new($"Worker {WorkerId} (process {ProcessId}) {result.Outcome} without writing the awaited line."
            + (result.StderrTail.Length > 0 ? $" Its standard error ended with:\n{result.StderrTail}" : ""));

    private void RemoveWaiter(OutputWaiter waiter)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>A pending <see cref="WaitForOutputAsync"/>.</summary>
    private sealed class OutputWaiter(Func<string, bool> predicate)
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Matches(string line)
        {
            try
            {
                return predicate(line);
            }
            catch (Exception ex)
            {
                // The caller's predicate failed: hand the exception to the caller and stop testing.
                _line.TrySetException(ex);
                return true;
            }
        }

        public void Complete(string line) => _line.TrySetResult(line);

        public void Fail(Exception exception) => _line.TrySetException(exception);

        public async Task<string> WaitAsync(WorkerProcess owner, CancellationToken cancellationToken)
        {
            try
            {
                return await _line.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                owner.RemoveWaiter(this);
            }
        }
    }
}
