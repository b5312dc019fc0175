namespace AgentOs.Sdk.IO.Internal;

/// <summary>Checks a write's target path and prepares its directory.</summary>
internal static class TargetPath
{
    /// <summary>The full path of a file to write; <see cref="ArgumentException"/> for an empty path or a directory.</summary>
    public static string ForWrite(string path, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(path, parameterName);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The path is empty.", parameterName);
        }

        string full = Path.GetFullPath(path);
        if (Path.EndsInDirectorySeparator(full) || Directory.Exists(full))
        {
            throw new ArgumentException($"The path '{full}' is a directory, not a file.", parameterName);
        }

        return full;
    }

    /// <summary>
    /// Makes sure <paramref name="directory"/> exists, creating it (and missing parents) when allowed, and making the
    /// new directory entries durable.
    /// </summary>
    public static void EnsureDirectory(string directory, bool create, string target)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (!create)
        {
            throw new DirectoryNotFoundException(
                $"Could not write '{target}': the directory '{directory}' does not exist and AtomicWriteOptions.CreateDirectories is off.");
        }

        var missing = new Stack<string>();
        for (string? d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
        {
            missing.Push(d);
        }

        try
        {
            Directory.CreateDirectory(directory);
            foreach (string created in missing)
            {
                // A new directory's entry is durable only once its parent is fsynced: without this a power cut could
                // drop the new folder, and the file written into it, after the write reported success.
                using DirectoryHandle parent = DirectoryHandle.Open(Path.GetDirectoryName(created)!);
                parent.Flush();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Errors.ForFailedWrite(target, e, targetReplaced: false)!;
        }
    }
}
