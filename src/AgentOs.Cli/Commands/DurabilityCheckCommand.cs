using System.CommandLine;
using System.Globalization;
using AgentOs.Cli.Durability;

namespace AgentOs.Cli.Commands;

/// <summary>
/// <c>agentos durability-check [--model posix|ext4-ordered|all] [--scenario NAME]...</c>: the crash-state explorer.
/// Records each AtomicFile operation's real system calls under strace, enumerates the states a power cut may leave
/// under each persistence model, runs Recover and Verify on each, and prints per operation and model the states
/// explored and the violations, with the first violating states described. Exit 1 when an AtomicFile operation has a
/// violation, or when a deliberately broken writer has none (the explorer would then be blind).
/// </summary>
internal static class DurabilityCheckCommand
{
    public static Command Create(CliConsole console)
    {
        var model = new Option<string>("--model")
        {
            Description = "The persistence model: pessimistic POSIX, ext4 data=ordered as ALICE describes it, or both.",
            DefaultValueFactory = _ => "all",
            HelpName = "posix|ext4-ordered|all",
        };
        model.AcceptOnlyFromAmong("posix", "ext4-ordered", "all");
        var scenarios = new Option<string[]>("--scenario")
        {
            Description = $"Explore only these operations; repeat for several. Default: all ({string.Join(", ", CrashScenarios.All.Select(s => s.Name))}).",
            HelpName = "NAME",
        };
        scenarios.AcceptOnlyFromAmong([.. CrashScenarios.All.Select(s => s.Name)]);
        var command = new Command("durability-check", "Explore the crash states of AtomicFile's real system calls (recorded with strace) and check the power-loss guarantees.")
        {
            model,
            scenarios,
        };
        command.SetAction(parsed => Run(parsed.GetValue(model)!, parsed.GetValue(scenarios), console));
        return command;
    }

    public static PersistenceModel[] Models(string model) => model switch
    {
        "posix" => [PersistenceModel.Posix],
        "ext4-ordered" => [PersistenceModel.Ext4Ordered],
        _ => [PersistenceModel.Posix, PersistenceModel.Ext4Ordered],
    };

    public static string ModelName(PersistenceModel model) => model == PersistenceModel.Posix ? "posix" : "ext4-ordered";

    private static int Run(string model, string[]? names, CliConsole console)
    {
        if (StraceRecorder.Unavailable() is { } reason)
        {
            console.WriteError($"durability-check needs strace: {reason}");
            return ExitCodes.Failure;
        }

        IEnumerable<CrashScenario> chosen = names is { Length: > 0 } ? names.Select(CrashScenarios.Find) : CrashScenarios.All;
        string work = Path.Combine(Path.GetTempPath(), "agentos-durability-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        bool ok = true;
        try
        {
            var explorer = new DurabilityExplorer(ChildCommand.CurrentProcess(), work);
            console.Out.WriteLine($"  {"operation",-22} {"model",-13} {"calls",5} {"states",7} {"violating",9}");
            foreach (CrashScenario scenario in chosen)
            {
                foreach (ExplorationResult result in explorer.Explore(scenario, Models(model)))
                {
                    bool expected = scenario.ExpectViolations ? result.ViolatingStates > 0 : result.ViolatingStates == 0;
                    ok &= expected;
                    string verdict = scenario.ExpectViolations
                        ? (expected ? console.Green("fails, as it must") : console.Red("NO VIOLATION FOUND: the explorer is blind"))
                        : (expected ? console.Green("ok") : console.Red("VIOLATION"));
                    console.Out.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"  {scenario.Name,-22} {ModelName(result.Model),-13} {result.Calls,5} {result.States,7}{(result.Sampled ? "*" : " ")}{result.ViolatingStates,8}  {verdict}"));
                    foreach (Violation violation in result.Violations.Take(scenario.ExpectViolations ? 1 : DurabilityExplorer.MaxDescribedViolations))
                    {
                        console.Out.WriteLine($"      {console.Dim(violation.State)}");
                        console.Out.WriteLine($"        -> {violation.Problems}");
                    }
                }
            }

            console.Out.WriteLine("  calls: recorded system calls that change or sync the directory; states: distinct crash states checked (* = some crash points sampled).");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        return ok ? ExitCodes.Success : ExitCodes.Failure;
    }
}
