using System.Text.Json;
using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.TestHost.Checkpoints;

/// <summary>
/// <c>checkpoint-step-crash &lt;database&gt; &lt;task id&gt;</c>: records one verified checkpoint, begins a second step, prints
/// <c>begun &lt;checkpoint id&gt;</c>, and waits forever in the middle of the step for the test to kill it with SIGKILL.
/// </summary>
internal static class CheckpointStepCrash
{
    public const string Mode = "checkpoint-step-crash";

    public static int Run(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine($"usage: {Mode} <database> <task id>");
            return 64;
        }

        using var store = StoreTarget.Open(args[0]);
        using var manager = new CheckpointManager(store);
        using (var done = JsonDocument.Parse("""{"done":1}"""))
        {
            manager.CreateCheckpoint(args[1], "first", done.RootElement, [new CommandExitEvidence("first", 0)]);
        }

        var step = manager.BeginStep(args[1], "second");
        Console.Out.WriteLine("begun " + step.CheckpointId);
        Console.Out.Flush();

        // The step is in progress; the test kills the process here. Reaching the commit would be a test failure.
        Console.In.ReadLine();
        using var never = JsonDocument.Parse("""{"done":2}""");
        manager.CommitStep(step, never.RootElement, [new CommandExitEvidence("second", 0)]);
        return 3;
    }
}
