using System.Diagnostics.CodeAnalysis;

namespace AgentOs.Sdk.IO;

/// <summary>
/// The outcome of <see cref="AtomicFile.Verify"/>: valid, or invalid with a message that names the path and the reason.
/// Deconstructs as <c>var (isValid, error) = AtomicFile.Verify(path);</c>.
/// </summary>
public sealed class AtomicVerifyResult
{
    private AtomicVerifyResult(string path, bool isValid, string? error, string? sha256, long? size)
    {
        Path = path;
        IsValid = isValid;
        Error = error;
        Sha256 = sha256;
        Size = size;
    }

    /// <summary>Gets the path that was verified (full path when it could be resolved).</summary>
    public string Path { get; }

    /// <summary>Gets whether the file exists and matches its marker (or, when no marker is required and none exists, merely exists).</summary>
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid { get; }

    /// <summary>Gets why the file is not valid, naming the path; null when it is valid.</summary>
    public string? Error { get; }

    /// <summary>Gets the SHA-256 (lowercase hex) of the content Verify read, when it hashed the file; otherwise null.</summary>
    public string? Sha256 { get; }

    /// <summary>Gets the file's length in bytes, when Verify opened it; otherwise null.</summary>
    public long? Size { get; }

    /// <summary>Deconstructs into <see cref="IsValid"/> and <see cref="Error"/>.</summary>
    /// <param name="isValid">Receives <see cref="IsValid"/>.</param>
    /// <param name="error">Receives <see cref="Error"/>.</param>
    public void Deconstruct(out bool isValid, out string? error)
    {
        isValid = IsValid;
        error = Error;
    }

    /// <inheritdoc/>
    public override string ToString() => IsValid ? $"Valid: {Path}" : $"Invalid: {Error}";

    internal static AtomicVerifyResult Valid(string path, string? sha256, long? size) => new(path, true, null, sha256, size);

    internal static AtomicVerifyResult Invalid(string path, string error, long? size = null) => new(path, false, error, null, size);
}
