namespace AgentOs.Sdk.Workers;

/// <summary>How one worker process ended.</summary>
/// <param name="WorkerId">The worker's id, from 0 to the worker count minus 1.</param>
/// <param name="ProcessId">The worker's operating-system process id.</param>
/// <param name="ExitCode">The code the worker exited with, or <see langword="null"/> when a signal killed it.</param>
/// <param name="Signal">The signal that killed the worker (9 for SIGKILL), or <see langword="null"/> when it exited.</param>
/// <param name="Duration">From the start of the process to its exit.</param>
/// <param name="StderrTail">The last lines the worker wrote to standard error (at most <see cref="WorkerPoolOptions.StderrTailLines"/>), joined with <c>\n</c>.</param>
public sealed record WorkerResult(int WorkerId, int ProcessId, int? ExitCode, int? Signal, TimeSpan Duration, string StderrTail)
{
    /// <summary>Whether the worker exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Whether the pool killed the worker because <see cref="WorkerPoolOptions.Timeout"/> elapsed.</summary>
    public bool TimedOut { get; init; }

    /// <summary>A short description of the outcome, such as <c>exited with code 0</c> or <c>killed by signal 9 (SIGKILL)</c>.</summary>
    public string Outcome => Signal is int signal
        ? $"killed by signal {signal}{SignalName(signal)}{(TimedOut ? " after the timeout" : "")}"
        : $"exited with code {ExitCode}";

    private static string SignalName(int signal) => signal switch
    {
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
