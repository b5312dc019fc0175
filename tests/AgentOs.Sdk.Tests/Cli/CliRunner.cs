using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Cli;

/// <summary>Runs the built <c>agentos</c> tool as a child process, as a user or a CI job would.</summary>
internal static class CliRunner
{
    public static ChildProcessResult Run(params string[] arguments) =>
        ChildProcess.RunAssembly(BuiltProgram.Cli, arguments);
}
