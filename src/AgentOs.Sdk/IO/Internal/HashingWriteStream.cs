using System.Security.Cryptography;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>
/// The write-only stream handed to a streaming writer: every buffer is added to a SHA-256 and counted on its way to the
/// temp file, so the hash comes from the very bytes written, in the same pass, without reading the file back.
/// It cannot seek (that would make the hash describe other bytes than the file holds), and disposing it only flushes: the temp file
/// stays open because the atomic write still has to fsync and rename it, and the hash stays open until <see cref="Complete"/>.
/// </summary>
internal sealed class HashingWriteStream : Stream
{
    private readonly FileStream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;
    private bool _disposed;

    public HashingWriteStream(FileStream inner) => _inner = inner;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_disposed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Finishes the hash: lowercase hex SHA-256 and byte count of everything written. Call once.</summary>
    public (string Sha256, long Size) Complete()
    {
        _disposed = true;
        using (_hash)
        {
            return (Convert.ToHexStringLower(_hash.GetHashAndReset()), _length);
        }
    }

    /// <summary>Releases the hash when the write is given up.</summary>
    public void Abandon()
    {
        _disposed = true;
        _hash.Dispose();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _inner.Write(buffer);
        _hash.AppendData(buffer);
        _length += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _hash.AppendData(buffer.Span);
        _length += buffer.Length;
    }

    public override void Flush()
    {
        if (!_disposed)
        {
            _inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _disposed ? Task.CompletedTask : _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            // Push buffered bytes to the OS now, so a write error (a full disk) surfaces inside the caller's code.
            _inner.Flush();
            _disposed = true;
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            await _inner.FlushAsync().ConfigureAwait(false);
            _disposed = true;
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
