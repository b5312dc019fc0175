using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AgentOs.Sdk.IO.Internal;

namespace AgentOs.Sdk.IO;

public static partial class AtomicFile
{
    private const string ReflectionJsonMessage =
        "JSON serialization with JsonSerializerOptions may need types that trimming removes or code generated at run time. Use the overload that takes a JsonTypeInfo<T> from a JsonSerializerContext.";

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="value"/> serialized as UTF-8 JSON and writes its <c>.ok</c> marker.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="value">The value to serialize.</param>
    /// <param name="jsonOptions">Serializer options; null for <see cref="JsonSerializerOptions.Default"/>.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    [RequiresUnreferencedCode(ReflectionJsonMessage)]
    [RequiresDynamicCode(ReflectionJsonMessage)]
    public static AtomicWriteResult WriteJson<T>(string path, T value, JsonSerializerOptions? jsonOptions = null, AtomicWriteOptions? options = null)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        return WriteBuffer(fullPath, JsonSerializer.SerializeToUtf8Bytes(value, jsonOptions), options, CancellationToken.None);
    }

    /// <summary>
    /// Atomically replaces <paramref name="path"/> with <paramref name="value"/> serialized as UTF-8 JSON with
    /// source-generated metadata (trimming- and AOT-safe) and writes its <c>.ok</c> marker.
    /// </summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="value">The value to serialize.</param>
    /// <param name="typeInfo">Metadata for <typeparamref name="T"/>, usually from a <c>JsonSerializerContext</c>.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    public static AtomicWriteResult WriteJson<T>(string path, T value, JsonTypeInfo<T> typeInfo, AtomicWriteOptions? options = null)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(typeInfo);
        return WriteBuffer(fullPath, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), options, CancellationToken.None);
    }

    /// <summary>
    /// Asynchronously and atomically replaces <paramref name="path"/> with <paramref name="value"/> serialized as UTF-8
    /// JSON (streamed, so a large value is never held as one buffer) and writes its <c>.ok</c> marker.
    /// </summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="value">The value to serialize.</param>
    /// <param name="jsonOptions">Serializer options; null for <see cref="JsonSerializerOptions.Default"/>.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start; a cancelled write changes nothing.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled; the old file and marker are unchanged.</exception>
    [RequiresUnreferencedCode(ReflectionJsonMessage)]
    [RequiresDynamicCode(ReflectionJsonMessage)]
    public static Task<AtomicWriteResult> WriteJsonAsync<T>(
        string path, T value, JsonSerializerOptions? jsonOptions = null, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        return WriteStreamAsync(
            fullPath,
            async (stream, ct) => await JsonSerializer.SerializeAsync(stream, value, jsonOptions, ct).ConfigureAwait(false),
            options,
            cancellationToken);
    }

    /// <summary>
    /// Asynchronously and atomically replaces <paramref name="path"/> with <paramref name="value"/> serialized as UTF-8
    /// JSON with source-generated metadata (streamed) and writes its <c>.ok</c> marker.
    /// </summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="path">The file to write; missing parent directories are created.</param>
    /// <param name="value">The value to serialize.</param>
    /// <param name="typeInfo">Metadata for <typeparamref name="T"/>, usually from a <c>JsonSerializerContext</c>.</param>
    /// <param name="options">Write options; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the write until the moment the renames start; a cancelled write changes nothing.</param>
    /// <returns>The path, SHA-256, size and timestamp recorded in the marker.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or is a directory.</exception>
    /// <exception cref="IOException">The write failed (for example the disk is full); the old file and marker are unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied; the old file and marker are unchanged.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled; the old file and marker are unchanged.</exception>
    public static Task<AtomicWriteResult> WriteJsonAsync<T>(
        string path, T value, JsonTypeInfo<T> typeInfo, AtomicWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        string fullPath = TargetPath.ForWrite(path, nameof(path));
        ArgumentNullException.ThrowIfNull(typeInfo);
        return WriteStreamAsync(
            fullPath,
            async (stream, ct) => await JsonSerializer.SerializeAsync(stream, value, typeInfo, ct).ConfigureAwait(false),
            options,
            cancellationToken);
    }
}
