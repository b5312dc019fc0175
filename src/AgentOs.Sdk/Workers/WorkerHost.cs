using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using AgentOs.Sdk.Workers.Internal;

namespace AgentOs.Sdk.Workers;

/// <summary>
/// Turns a program into a worker host. <see cref="WorkerPool"/> starts workers by re-launching a program with a marker
/// argument; the program's <c>Main</c> must begin with
/// <code>if (WorkerHost.TryRun(args, out int exitCode)) return exitCode;</code>
/// so that, when the marker is present, the worker's entry runs instead of the program.
/// </summary>
/// <remarks>
/// <para>In a worker process, <see cref="TryRun"/> loads the entry's assembly, finds the entry by module version id and metadata
/// token, builds the <see cref="WorkerContext"/>, runs the entry and returns its exit code. An exception from the entry is written
/// to standard error and becomes <see cref="WorkerExitCodes.EntryFailed"/>; a failure to find the entry becomes
/// <see cref="WorkerExitCodes.StartFailed"/>.</para>
/// <para>The token passed to the entry is cancelled when the worker receives SIGTERM or SIGINT. The worker's standard input is
/// reserved: the parent sends the spec on it, then a watchdog reads it and SIGKILLs the worker (and its descendants) when it
/// reaches end-of-file, which happens when the parent dies. Standard output may carry progress lines the parent can observe.</para>
/// </remarks>
public static class WorkerHost
{
    /// <summary>
    /// Runs a worker when <paramref name="args"/> starts with the worker marker; otherwise returns <see langword="false"/> at once.
    /// </summary>
    /// <param name="args">The arguments of <c>Main</c>.</param>
    /// <param name="exitCode">The worker's exit code when this method returns <see langword="true"/>; 0 otherwise.</param>
    /// <returns><see langword="true"/> when this process was a worker and has finished its work; <c>Main</c> must then return <paramref name="exitCode"/>.</returns>
    [RequiresUnreferencedCode(WorkerEntryResolver.TrimmingMessage)]
    public static bool TryRun(string[] args, out int exitCode)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != WorkerProtocol.MarkerArgument)
        {
            exitCode = 0;
            return false;
        }

        // Control lines go to the raw stdout stream: it works even if the entry redirects Console.Out, and it spares a worker
        // the set-up of Console.Out when the entry never prints.
        Stream control = Console.OpenStandardOutput();
        WriteControlLine(control, WorkerProtocol.ReadyLine);

        // Standard input carries the spec line, then stays open until the parent dies: the watchdog takes it from there.
        Stream stdin = Console.OpenStandardInput();
        string? specLine = ReadSpecLine(stdin, out string? specError);
        ParentWatchdog.Start(stdin);

        exitCode = Run(args, specLine, specError);
        WriteControlLine(control, WorkerProtocol.ExitLine(exitCode));
        return true;
    }

    private static void WriteControlLine(Stream stdout, string line)
    {
        try
        {
            stdout.Write(Encoding.UTF8.GetBytes(line + "\n"));
            stdout.Flush();
        }
        catch (IOException)
        {
            // Nobody reads our output any more (the parent is gone); the watchdog ends this process.
        }
    }

    [RequiresUnreferencedCode(WorkerEntryResolver.TrimmingMessage)]
    private static int Run(string[] args, string? specLine, string? specError)
    {
        WorkerContext context;
        Func<WorkerContext, CancellationToken, Task<int>> entry;
        string entryName = "the worker entry";
        try
        {
            if (args.Length != 2 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out int workerId))
            {
                throw new WorkerStartException(
                    $"Expected '{WorkerProtocol.MarkerArgument} <worker id>', got {args.Length} arguments: a worker host is started by WorkerPool, not by hand.");
            }

            WorkerSpec spec = ParseSpec(specLine ?? throw new WorkerStartException(specError ?? "No worker spec on standard input."));
            entryName = $"{spec.DeclaringType}.{spec.MethodName}";
            if (workerId >= spec.WorkerCount)
            {
                throw new WorkerStartException($"Worker id {workerId} is outside the pool of {spec.WorkerCount} workers.");
            }

            entry = WorkerEntryResolver.Resolve(spec);
            context = new WorkerContext(workerId, spec.WorkerCount, spec.Directory, spec.ArgumentsJson);
        }
        catch (Exception ex) when (ex is WorkerStartException or ArgumentException)
        {
            Console.Error.WriteLine($"agentos worker: cannot start {entryName}: {ex.Message}");
            return WorkerExitCodes.StartFailed;
        }

        using var stopping = new CancellationTokenSource();
        // A polite stop (SIGTERM from a supervisor, Ctrl+C) becomes cancellation; the pool itself only ever sends SIGKILL.
        using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal => Stop(signal, stopping));
        using PosixSignalRegistration onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, signal => Stop(signal, stopping));
        try
        {
            Task<int>? task = entry(context, stopping.Token);
            if (task is null)
            {
                Console.Error.WriteLine($"agentos worker {context.WorkerId}: {entryName} returned a null task.");
                return WorkerExitCodes.EntryFailed;
            }

            int code = task.GetAwaiter().GetResult();
            if (code is < 0 or > 255)
            {
                // Exit codes are 8 bits on Unix: 256 would silently read as success.
                Console.Error.WriteLine($"agentos worker {context.WorkerId}: {entryName} returned {code}; an exit code must be between 0 and 255.");
                return WorkerExitCodes.EntryFailed;
            }

            return code;
        }
        catch (Exception ex)
        {
            // Any exception is the entry's failure: report it in full and exit with the documented code.
            Console.Error.WriteLine($"agentos worker {context.WorkerId}: {entryName} threw {ex.GetType().FullName}: {ex.Message}");
            Console.Error.WriteLine(ex.ToString());
            return WorkerExitCodes.EntryFailed;
        }

    }

    private static void Stop(PosixSignalContext signal, CancellationTokenSource stopping)
    {
        signal.Cancel = true;
        stopping.Cancel();
    }

    /// <summary>Reads the one JSON line the parent writes first to standard input.</summary>
    private static string? ReadSpecLine(Stream stdin, out string? error)
    {
        error = null;
        using var line = new MemoryStream();
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int read = stdin.Read(buffer);
                if (read == 0)
                {
                    // The parent closed the pipe before sending a whole spec: it is gone, and the watchdog will end this process.
                    error = "Standard input closed before the worker spec arrived (the parent exited).";
                    return null;
                }

                int newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
                line.Write(buffer, 0, newline < 0 ? read : newline);
                if (newline >= 0)
                {
                    return Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
                }

                if (line.Length > WorkerProtocol.MaxSpecBytes)
                {
                    error = $"The worker spec is longer than {WorkerProtocol.MaxSpecBytes} bytes: pass large inputs as files, not arguments.";
                    return null;
                }
            }
        }
        catch (IOException ex)
        {
            error = $"Cannot read the worker spec from standard input: {ex.Message}";
            return null;
        }
    }

    private static WorkerSpec ParseSpec(string line)
    {
        WorkerSpec spec;
        try
        {
            spec = WorkerSpec.Parse(line);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new WorkerStartException($"The worker spec on standard input is malformed: {ex.Message}", ex);
        }

        if (spec.WorkerCount < 1 || spec.Directory.Length == 0 || spec.AssemblyName.Length == 0)
        {
            throw new WorkerStartException("The worker spec is incomplete.");
        }

        return spec;
    }
}
