namespace AgentOs.Sdk.Workers;

/// <summary>
/// Exit codes a worker process uses on its own, besides the code its entry returns. Both are below 128, so they are never
/// mistaken for a death by signal (which .NET reports as 128 + the signal number).
/// </summary>
public static class WorkerExitCodes
{
    /// <summary>
    /// 70 (<c>EX_SOFTWARE</c>): the entry threw (the exception is written to the worker's standard error), returned a
    /// <see langword="null"/> task, or returned a code outside 0 to 255.
    /// </summary>
    public const int EntryFailed = 70;

    /// <summary>
    /// 78 (<c>EX_CONFIG</c>): the worker host could not start the entry: the spec file is missing or malformed, or the entry's
    /// assembly or method cannot be found (for example the assembly was rebuilt after the pool started). The reason is on standard error.
    /// </summary>
    public const int StartFailed = 78;
}
