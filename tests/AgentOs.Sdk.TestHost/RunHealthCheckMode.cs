using AgentOs.Sdk.Health;

namespace AgentOs.Sdk.TestHost;

/// <summary>
/// <c>run-health-check &lt;db&gt;</c>: runs the start-up health check and prints the report's JSON; exit 0 when all
/// passed, 1 otherwise. The tests run it as an unprivileged user, which they cannot be in-process.
/// </summary>
internal static class RunHealthCheckMode
{
    public const string Name = "run-health-check";

    public static int Run(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: run-health-check <db>");
            return 2;
        }

        // Every check, quick_check included: the permission tests prove each one reads what nobody may read.
        var report = new StartupHealthCheck(args[0], new StartupHealthCheckOptions { Depth = HealthCheckDepth.Deep }).RunAllChecks();
        Console.Out.WriteLine(report.ToJson());
        return report.AllPassed ? 0 : 1;
    }
}
