namespace AgentOs.Sdk.IO;

/// <summary>Options for an <see cref="AtomicFile"/> write. A null options argument means the defaults below.</summary>
public sealed class AtomicWriteOptions
{
    /// <summary>The defaults; never handed out, so nobody can change them.</summary>
    internal static readonly AtomicWriteOptions Default = new();

    /// <summary>
    /// Gets or sets whether a file that replaces an existing one takes its Unix permission bits (and its <c>.ok</c>
    /// marker the same bits). Default: <see langword="true"/>. Ownership is not copied.
    /// </summary>
    public bool PreservePermissions { get; set; } = true;

    /// <summary>
    /// Gets or sets whether missing parent directories are created (and made durable). Default: <see langword="true"/>;
    /// when <see langword="false"/>, a missing directory is a <see cref="DirectoryNotFoundException"/>.
    /// </summary>
    public bool CreateDirectories { get; set; } = true;

    /// <summary>Gets or sets the clock for the marker's <c>timestamp</c>. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set => field = value ?? throw new ArgumentNullException(nameof(value));
    } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the Unix permissions of a newly created file (and its marker), filtered by the process umask as for
    /// <see cref="FileStreamOptions.UnixCreateMode"/>. Null (the default) means <c>0666</c> less the umask, as
    /// <see cref="File.Create(string)"/> does. Ignored when an existing file's bits are kept (<see cref="PreservePermissions"/>)
    /// and on Windows.
    /// </summary>
    public UnixFileMode? UnixCreateMode { get; set; }
}
