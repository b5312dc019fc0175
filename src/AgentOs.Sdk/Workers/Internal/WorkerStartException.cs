namespace AgentOs.Sdk.Workers.Internal;

/// <summary>A worker host could not start the entry (bad spec, missing assembly, different build). Reported on stderr, never thrown to users.</summary>
internal sealed class WorkerStartException : Exception
{
    public WorkerStartException()
    {
    }

    public WorkerStartException(string message)
        : base(message)
    {
    }

    public WorkerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
