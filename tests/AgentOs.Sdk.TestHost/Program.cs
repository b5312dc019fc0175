using AgentOs.Sdk.TestHost;

// A child process for the tests: args[0] names the mode, one small class per mode.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: AgentOs.Sdk.TestHost <mode> [arguments]");
    return 64;
}

return args[0] switch
{
    IdempotentCaller.Mode => IdempotentCaller.Run(args[1..]),
    _ => Unknown(args[0]),
};

static int Unknown(string mode)
{
    Console.Error.WriteLine($"AgentOs.Sdk.TestHost: unknown mode '{mode}'");
    return 64;
}
