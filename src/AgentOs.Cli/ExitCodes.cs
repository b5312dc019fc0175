namespace AgentOs.Cli;

/// <summary>The exit codes every command uses, so that scripts and CI can tell a failed check from a typo.</summary>
internal static class ExitCodes
{
    /// <summary>Everything passed.</summary>
    public const int Success = 0;

    /// <summary>The command ran and found a problem (a failed check, an invalid file) or could not do its work.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: unknown command or option, missing argument, bad value.</summary>
    public const int Usage = 2;
}
