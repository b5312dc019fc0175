using System.CommandLine;
using AgentOs.Cli.Durability;

namespace AgentOs.Cli.Commands;

/// <summary>
/// The hidden child of <c>durability-check</c>: runs one scenario's operation on a directory, between two sentinel
/// files whose creation marks, in the strace log, where the operation began and where it returned.
/// </summary>
internal static class DurabilityChildCommand
{
    public const string Name = "durability-child";

    public static Command Create()
    {
        var scenario = new Argument<string>("scenario");
        var directory = new Argument<string>("directory");
        var begin = new Argument<string>("begin-sentinel");
        var returned = new Argument<string>("returned-sentinel");
        var command = new Command(Name, "Internal: the recorded child of durability-check.") { scenario, directory, begin, returned };
        command.Hidden = true;
        command.SetAction(parsed =>
        {
            CrashScenario chosen = CrashScenarios.Find(parsed.GetRequiredValue(scenario));
            File.Create(parsed.GetRequiredValue(begin)).Dispose();
            chosen.Run(parsed.GetRequiredValue(directory));
            File.Create(parsed.GetRequiredValue(returned)).Dispose();
            return ExitCodes.Success;
        });
        return command;
    }
}
