namespace AgentOs.Sdk.IO.Internal;

/// <summary>Builds the exceptions AtomicFile throws, so every message names the path and the reason.</summary>
internal static class Errors
{
    private const int EPERM = 1;
    private const int ENOENT = 2;
    private const int EACCES = 13;

    /// <summary>An exception for a failed libc call: permission errors as <see cref="UnauthorizedAccessException"/>, the rest as <see cref="IOException"/>.</summary>
    public static Exception FromErrno(int errno, string what)
    {
        string message = $"{what}: {LibC.Describe(errno)}.";
        return errno switch
        {
            EPERM or EACCES => new UnauthorizedAccessException(message),
            ENOENT => new DirectoryNotFoundException(message),
            // HResult carries the errno, as .NET's own IOExceptions on Unix do, so callers can tell ENOSPC from EIO.
            _ => new IOException(message, errno),
        };
    }

    /// <summary>
    /// Wraps a failure of a write to <paramref name="path"/> so that its message names the target (not only the temp
    /// file) and says what state it is in. Keeps the exception's type family and HResult. Returns null for other
    /// exceptions (cancellation, the caller's own), which are rethrown unchanged.
    /// </summary>
    public static Exception? ForFailedWrite(string path, Exception error, bool targetReplaced)
    {
        string outcome = targetReplaced
            ? "The new content is in place but its .ok marker could not be installed; run AtomicFile.Recover on the directory to finish it."
            : "The previous content and its .ok marker were left unchanged.";
        return SameKind(error, $"Could not write '{path}' atomically: {error.Message} {outcome}");
    }

    /// <summary>
    /// An exception of the same I/O kind as <paramref name="error"/> (and its HResult) with <paramref name="message"/>,
    /// wrapping it; null when <paramref name="error"/> is not an I/O or access error (it is then rethrown unchanged).
    /// </summary>
    public static Exception? SameKind(Exception error, string message) => error switch
    {
        UnauthorizedAccessException => new UnauthorizedAccessException(message, error),
        DirectoryNotFoundException => new DirectoryNotFoundException(message, error),
        PathTooLongException => new PathTooLongException(message, error),
        IOException => new IOException(message, error) { HResult = error.HResult },
        _ => null,
    };

    /// <summary>The same kind of exception as <paramref name="error"/> (and its HResult), with a message that says more.</summary>
    public static Exception Rethrow(Exception error, string message) => error switch
    {
        UnauthorizedAccessException => new UnauthorizedAccessException(message, error),
        _ => new IOException(message, error) { HResult = error.HResult },
    };
}
