using System.Net.Sockets;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>What a PostgreSQL error means for the caller: retry the transaction, reconnect, a duplicate key, or give up.</summary>
internal enum PostgreSqlErrorKind
{
    /// <summary>Not a condition a retry can fix (a constraint, a syntax error, a permission...).</summary>
    Permanent,

    /// <summary>The transaction lost a race (serialization failure, deadlock, lock not available): run it again.</summary>
    Conflict,

    /// <summary>The connection is gone (server shut down or restarted, socket error): run it again on a fresh connection.</summary>
    ConnectionLost,

    /// <summary>A unique constraint refused the row (23505).</summary>
    UniqueViolation,
}

/// <summary>Classifies Npgsql exceptions by SQLSTATE, the only stable part of a PostgreSQL error.</summary>
internal static class PostgreSqlErrors
{
    public const string SerializationFailure = "40001";
    public const string DeadlockDetected = "40P01";
    public const string LockNotAvailable = "55P03";
    public const string AdminShutdown = "57P01";
    public const string CrashShutdown = "57P02";
    public const string CannotConnectNow = "57P03";
    public const string UniqueViolation = "23505";
    public const string InvalidPassword = "28P01";
    public const string InvalidAuthorization = "28000";
    public const string InvalidCatalogName = "3D000";

    public static PostgreSqlErrorKind Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            PostgresException postgres => ClassifyState(postgres.SqlState),
            // Npgsql reports socket failures, a connection broken mid-command, and connect timeouts as NpgsqlException
            // without a SQLSTATE; the server is unreachable or went away.
            NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => PostgreSqlErrorKind.ConnectionLost,
            NpgsqlException { IsTransient: true } => PostgreSqlErrorKind.ConnectionLost,
            SocketException or IOException => PostgreSqlErrorKind.ConnectionLost,
            _ => PostgreSqlErrorKind.Permanent,
        };
    }

    public static PostgreSqlErrorKind ClassifyState(string? sqlState) => sqlState switch
    {
        SerializationFailure or DeadlockDetected or LockNotAvailable => PostgreSqlErrorKind.Conflict,
        AdminShutdown or CrashShutdown or CannotConnectNow => PostgreSqlErrorKind.ConnectionLost,
        UniqueViolation => PostgreSqlErrorKind.UniqueViolation,
        // Class 08: connection exceptions reported by the server itself.
        { Length: 5 } state when state.StartsWith("08", StringComparison.Ordinal) => PostgreSqlErrorKind.ConnectionLost,
        _ => PostgreSqlErrorKind.Permanent,
    };

    /// <summary>Whether running the whole transaction again (on a fresh connection when it was lost) may succeed.</summary>
    public static bool IsRetryable(Exception exception) =>
        Classify(exception) is PostgreSqlErrorKind.Conflict or PostgreSqlErrorKind.ConnectionLost;
}
