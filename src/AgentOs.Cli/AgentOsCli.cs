using System.CommandLine;
using AgentOs.Cli.Commands;

namespace AgentOs.Cli;

/// <summary>The <c>agentos</c> command line: parsing and help by System.CommandLine, one class per command.</summary>
internal static class AgentOsCli
{
    public static int Run(string[] args, CliConsole console)
    {
        var root = new RootCommand("AgentOs: create and check crash-safe agent stores, and verify atomically written artifacts.")
        {
            InitCommand.Create(console),
            HealthCommand.Create(console),
            ChaosCommand.Create(console),
            VerifyCommand.Create(console),
            DurabilityCheckCommand.Create(console),
            DurabilityChildCommand.Create(),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // Exit 2, not 1: a typo on the command line must not look like a failed check to a script.
            foreach (var error in parsed.Errors)
            {
                console.WriteError(error.Message);
            }

            var command = parsed.CommandResult.Command;
            console.Error.WriteLine(command is RootCommand ? "Run 'agentos --help' for usage." : $"Run 'agentos {command.Name} --help' for usage.");
            return ExitCodes.Usage;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error });
    }
}
