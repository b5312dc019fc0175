namespace AgentOs.Sdk.Storage;

/// <summary>An AgentOs store cannot be opened or used as it is; the message names the database and the problem.</summary>
public sealed class StoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a database.</summary>
    public StoreException(string databasePath, string message, Exception? innerException = null)
        : base($"{message} (database '{databasePath}')", innerException)
    {
        DatabasePath = databasePath;
    }

    /// <summary>The database the problem is about, when known.</summary>
    public string? DatabasePath { get; }

    /// <summary>
    /// Whether the connection was lost while the transaction's COMMIT was in flight, so that it may or may not have
    /// committed. The store never runs such a transaction again; a caller that retries must first check what is stored.
    /// </summary>
    public bool CommitOutcomeUnknown { get; init; }
}
