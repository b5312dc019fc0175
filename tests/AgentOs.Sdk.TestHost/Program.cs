using AgentOs.Sdk.TestHost;

// A child process for the tests: the first argument picks the mode, one small class per mode.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: AgentOs.Sdk.TestHost <mode> [arguments]");
    return 2;
}

return args[0] switch
{
    HoldLockMode.Name => HoldLockMode.Run(args[1..]),
    OpenStoreMode.Name => OpenStoreMode.Run(args[1..]),
    RunHealthCheckMode.Name => RunHealthCheckMode.Run(args[1..]),
    _ => Unknown(args[0]),
};

static int Unknown(string mode)
{
    Console.Error.WriteLine($"unknown mode '{mode}'");
    return 2;
}
