using AgentOs.Sdk.TestHost.IO;

// A child process for the tests: args[0] names the mode, the rest are the mode's arguments.
// Each mode is one small class; the tests start this program, talk to it over stdin/stdout, and kill it with SIGKILL.
if (args.Length == 0)
{
    return Usage();
}

string[] rest = args[1..];
return args[0] switch
{
    AtomicWriterLoop.Mode => AtomicWriterLoop.Run(rest),
    AtomicWriteMany.Mode => AtomicWriteMany.Run(rest),
    AtomicWriteOnce.Mode => AtomicWriteOnce.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine($"usage: AgentOs.Sdk.TestHost <mode> [arguments]; modes: {AtomicWriterLoop.Mode}, {AtomicWriteMany.Mode}, {AtomicWriteOnce.Mode}");
    return 64;
}
