namespace AgentOs.Cli;

/// <summary>
/// Where a command writes, and whether it may colour its output: only on a terminal, never when the output is
/// redirected (a file, a pipe, a CI log), when <c>NO_COLOR</c> is set (see no-color.org) or when <c>TERM=dumb</c>.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, bool colors)
{
    private const string Reset = "\e[0m";

    public static CliConsole System { get; } = new(
        Console.Out,
        Console.Error,
        colors: !Console.IsOutputRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal));

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public string Green(string text) => Paint("\e[32m", text);

    public string Red(string text) => Paint("\e[31m", text);

    public string Yellow(string text) => Paint("\e[33m", text);

    public string Bold(string text) => Paint("\e[1m", text);

    public string Dim(string text) => Paint("\e[2m", text);

    /// <summary>Writes <c>agentos: error: message</c> to standard error.</summary>
    public void WriteError(string message) => Error.WriteLine($"agentos: error: {message}");

    private string Paint(string code, string text) => colors ? code + text + Reset : text;
}
