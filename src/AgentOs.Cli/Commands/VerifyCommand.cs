using System.CommandLine;
using System.Globalization;
using AgentOs.Sdk.IO;

namespace AgentOs.Cli.Commands;

/// <summary>
/// <c>agentos verify &lt;file&gt;... [--allow-missing-marker]</c>: checks each file against its <c>.ok</c> marker with
/// <see cref="AtomicFile.Verify"/>. Exit 0 when every file is valid, 1 when any is not.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        var files = new Argument<string[]>("file")
        {
            Description = "The files to verify; each must match the size and SHA-256 in its '<file>.ok' marker.",
            Arity = ArgumentArity.OneOrMore,
        };
        var allowMissingMarker = new Option<bool>("--allow-missing-marker")
        {
            Description = "Accept a file that has no .ok marker (it need only exist); a marker that exists is still checked.",
        };
        var command = new Command("verify", "Verify files written with AtomicFile against their .ok markers (size and SHA-256).")
        {
            files,
            allowMissingMarker,
        };
        command.SetAction(parsed => Run(parsed.GetRequiredValue(files), !parsed.GetValue(allowMissingMarker), console));
        return command;
    }

    private static int Run(string[] files, bool requireOkMarker, CliConsole console)
    {
        var invalid = 0;
        foreach (var file in files)
        {
            var result = AtomicFile.Verify(file, requireOkMarker);
            if (result.IsValid)
            {
                var detail = result.Sha256 is { } sha256
                    ? string.Create(CultureInfo.InvariantCulture, $"{result.Size} bytes, sha256 {sha256}")
                    : "exists, no .ok marker";
                console.Out.WriteLine($"  {console.Green("OK  ")}  {result.Path}  {console.Dim(detail)}");
            }
            else
            {
                invalid++;
                console.Out.WriteLine($"  {console.Red("FAIL")}  {result.Path}  {result.Error}");
            }
        }

        var verdict = string.Create(CultureInfo.InvariantCulture, $"{files.Length} file{(files.Length == 1 ? string.Empty : "s")}: {files.Length - invalid} valid, {invalid} invalid");
        console.Out.WriteLine($"  {(invalid == 0 ? console.Green(verdict) : console.Red(verdict))}");
        return invalid == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
