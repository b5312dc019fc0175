namespace AgentOs.Sdk.Chaos;

/// <summary>A chaos drill found the system in a state its guarantees rule out.</summary>
public sealed class ChaosAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChaosAssertionException()
    {
    }

    /// <summary>Creates the exception with a message that says what was expected and what was found.</summary>
    public ChaosAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ChaosAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
