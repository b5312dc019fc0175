using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>What an <see cref="IEvidenceVerifier"/> may use while it checks an item.</summary>
public sealed class EvidenceVerificationContext
{
    internal EvidenceVerificationContext(AgentOsStore store, string baseDirectory, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Store = store;
        BaseDirectory = baseDirectory;
        TimeProvider = timeProvider;
        CancellationToken = cancellationToken;
    }

    /// <summary>The store the checkpoint lives in.</summary>
    public AgentOsStore Store { get; }

    /// <summary>The folder relative artifact paths are resolved against.</summary>
    public string BaseDirectory { get; }

    /// <summary>The manager's clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Cancelled when the caller gives up on the operation that verifies.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Resolves <paramref name="path"/> against <see cref="BaseDirectory"/> (an absolute path is returned as it is, normalised).</summary>
    public string ResolvePath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Path.GetFullPath(path, BaseDirectory);
    }
}
