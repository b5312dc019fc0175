namespace AgentOs.Sdk.Storage.Providers;

/// <summary>What a provider error means to the data-access layer: whether to retry, and what to tell the caller.</summary>
internal enum StoreErrorKind
{
    /// <summary>Not a database error the layer knows (a bug, a full disk, a corrupt file...): never retried.</summary>
    Other,

    /// <summary>Another connection holds a lock (SQLite <c>BUSY</c>/<c>LOCKED</c>, PostgreSQL <c>55P03</c>): the whole transaction may be run again.</summary>
    Busy,

    /// <summary>A serialization failure or deadlock (PostgreSQL <c>40001</c>/<c>40P01</c>): the whole transaction may be run again.</summary>
    SerializationFailure,

    /// <summary>The connection to the server was lost; the transaction's outcome is unknown unless it never reached COMMIT.</summary>
    ConnectionLost,

    /// <summary>A unique or primary-key constraint refused the write.</summary>
    UniqueViolation,

    /// <summary>A foreign-key constraint refused the write (for example a work item that does not exist).</summary>
    ForeignKeyViolation,

    /// <summary>The file or database is not a store this provider can read (SQLite <c>NOTADB</c>).</summary>
    NotADatabase,
}
