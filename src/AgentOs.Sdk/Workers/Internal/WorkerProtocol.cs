using System.Globalization;

namespace AgentOs.Sdk.Workers.Internal;

/// <summary>
/// The few strings the parent and a worker process agree on: the marker argument that turns a host program into a
/// worker, and the control lines a worker writes on its standard output.
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>
    /// The first argument of a worker process: <c>host --agentos-worker &lt;worker id&gt;</c>. The spec follows as one JSON line on
    /// the worker's standard input (no file to clean up, no command-line length limit).
    /// </summary>
    public const string MarkerArgument = "--agentos-worker";

    /// <summary>Version of the spec; a host built against another version refuses it with a clear message.</summary>
    public const int SpecVersion = 1;

    /// <summary>The longest spec a worker accepts, in bytes (the arguments are most of it).</summary>
    public const int MaxSpecBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Prefix of a control line. It starts with the ASCII record separator, which no progress text contains, so the parent
    /// can tell control lines from the worker's own output (even when the worker left a partial line before it).
    /// </summary>
    public const string ControlPrefix = "\u001eagentos-worker:";

    /// <summary>The command of the line written first, as soon as <see cref="WorkerHost"/> recognises the marker: proves the host's Main calls it.</summary>
    public const string ReadyCommand = "ready";

    /// <summary>The whole ready line.</summary>
    public const string ReadyLine = ControlPrefix + ReadyCommand;

    private const string ExitCommand = "exit ";

    /// <summary>
    /// The control line a worker writes just before it returns <paramref name="exitCode"/>. It lets the parent tell an exit code
    /// above 128 from a death by signal, which .NET reports as the same number (128 + signal).
    /// </summary>
    public static string ExitLine(int exitCode) => ControlPrefix + ExitCommand + exitCode.ToString(CultureInfo.InvariantCulture);

    /// <summary>Splits a line read from a worker's standard output into the worker's own text and an optional control command.</summary>
    public static (string? Text, string? Control) Split(string line)
    {
        int index = line.IndexOf(ControlPrefix, StringComparison.Ordinal);
        if (index < 0)
        {
            return (line, null);
        }

        string? text = index == 0 ? null : line[..index];
        return (text, line[(index + ControlPrefix.Length)..]);
    }

    /// <summary>Parses the command of an exit control line.</summary>
    public static bool TryParseExit(string control, out int exitCode)
    {
        exitCode = 0;
        return control.StartsWith(ExitCommand, StringComparison.Ordinal)
            && int.TryParse(control.AsSpan(ExitCommand.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out exitCode);
    }

    /// <summary>
    /// Turns what <see cref="System.Diagnostics.Process.ExitCode"/> observed into an exit code or a signal.
    /// On Unix .NET reports a child killed by signal N as 128 + N. A worker announces its own exit code first, so an observed code
    /// that matches the announcement is an exit code, even above 128; any other code from 129 to 192 is a death by signal.
    /// </summary>
    public static (int? ExitCode, int? Signal) Interpret(int observedExitCode, int? announcedExitCode)
    {
        if (announcedExitCode is int announced && (announced & 0xFF) == observedExitCode)
        {
            return (announced, null);
        }

        if (!OperatingSystem.IsWindows() && observedExitCode is > 128 and <= 128 + 64)
        {
            return (null, observedExitCode - 128);
        }

        return (observedExitCode, null);
    }
}
