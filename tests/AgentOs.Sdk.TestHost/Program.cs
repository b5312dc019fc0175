using AgentOs.Sdk.TestHost.Checkpoints;

// A child process for the tests: args[0] names the mode, the rest are the mode's arguments.
// Each mode is one small class; the tests start this program, talk to it over stdin/stdout, and kill it with SIGKILL.
if (args.Length == 0)
{
    return Usage();
}

string[] rest = args[1..];
return args[0] switch
{
    CheckpointWriter.Mode => CheckpointWriter.Run(rest),
    CheckpointStepCrash.Mode => CheckpointStepCrash.Run(rest),
    CheckpointSwarm.Mode => CheckpointSwarm.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine($"usage: AgentOs.Sdk.TestHost <mode> [arguments]; modes: {CheckpointWriter.Mode}, {CheckpointStepCrash.Mode}, {CheckpointSwarm.Mode}");
    return 64;
}
