using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace AgentOs.Sdk.Workers;

/// <summary>What a worker entry knows about itself: its id, the pool's size, where to write, and the arguments from the parent.</summary>
/// <remarks>
/// The pool creates one context per worker process. Create one yourself to run an entry in-process, for example in a unit test.
/// </remarks>
public sealed class WorkerContext
{
    private readonly string? _argumentsJson;
    private JsonObject? _arguments;

    /// <summary>Creates the context of worker <paramref name="workerId"/> of <paramref name="workerCount"/>.</summary>
    /// <param name="workerId">The worker's id, from 0 to <paramref name="workerCount"/> minus 1.</param>
    /// <param name="workerCount">How many workers the pool runs.</param>
    /// <param name="directory">The pool directory; made absolute.</param>
    /// <param name="arguments">The arguments from the parent; empty when <see langword="null"/>.</param>
    public WorkerContext(int workerId, int workerCount, string directory, JsonObject? arguments = null)
        : this(workerId, workerCount, directory, arguments ?? [], argumentsJson: null)
    {
    }

    /// <summary>The context of a worker process: the arguments arrive as JSON text and are parsed when first read.</summary>
    internal WorkerContext(int workerId, int workerCount, string directory, string argumentsJson)
        : this(workerId, workerCount, directory, arguments: null, argumentsJson)
    {
    }

    private WorkerContext(int workerId, int workerCount, string directory, JsonObject? arguments, string? argumentsJson)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workerCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(workerId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(workerId, workerCount);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);

        WorkerId = workerId;
        WorkerCount = workerCount;
        Directory = Path.GetFullPath(directory);
        DatabasePath = GetDatabasePath(Directory, workerId);
        ArtifactsDirectory = GetArtifactsDirectory(Directory, workerId);
        _arguments = arguments;
        _argumentsJson = argumentsJson;
    }

    /// <summary>The worker's id, from 0 to <see cref="WorkerCount"/> minus 1.</summary>
    public int WorkerId { get; }

    /// <summary>How many workers the pool runs.</summary>
    public int WorkerCount { get; }

    /// <summary>The pool directory (absolute), shared by every worker of the run.</summary>
    public string Directory { get; }

    /// <summary>
    /// This worker's own SQLite database, <c>&lt;Directory&gt;/worker_&lt;id&gt;.db</c>: one database per worker, so concurrent
    /// checkpoints never contend for one write lock. The pool does not create the file.
    /// </summary>
    public string DatabasePath { get; }

    /// <summary>This worker's own folder for output files, <c>&lt;Directory&gt;/artifacts/worker_&lt;id&gt;</c>; the pool creates it.</summary>
    public string ArtifactsDirectory { get; }

    /// <summary>The arguments the parent set in <see cref="WorkerPoolOptions.Arguments"/>.</summary>
    public JsonObject Arguments => _arguments ?? LazyInitializer.EnsureInitialized(ref _arguments, ParseArguments);

    /// <summary>Reads argument <paramref name="name"/> as a <typeparamref name="T"/> with reflection-based JSON.</summary>
    /// <typeparam name="T">The type to read the argument as.</typeparam>
    /// <param name="name">The argument's name.</param>
    /// <returns>The argument's value.</returns>
    /// <exception cref="KeyNotFoundException">The argument is missing; the message names it and the arguments given.</exception>
    /// <exception cref="InvalidOperationException">The argument is <c>null</c> (allowed only when <typeparamref name="T"/> is a <see cref="Nullable{T}"/>) or cannot be read as <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; use the overload that takes a JsonTypeInfo<T> in trimmed apps.")]
    [RequiresDynamicCode("Reflection-based JSON; use the overload that takes a JsonTypeInfo<T> in native AOT apps.")]
    public T GetArgument<T>(string name) => Read(name, node => node.Deserialize<T>());

    /// <summary>Reads argument <paramref name="name"/> as a <typeparamref name="T"/> with source-generated JSON metadata.</summary>
    /// <typeparam name="T">The type to read the argument as.</typeparam>
    /// <param name="name">The argument's name.</param>
    /// <param name="jsonTypeInfo">Metadata for <typeparamref name="T"/>.</param>
    /// <returns>The argument's value.</returns>
    /// <exception cref="KeyNotFoundException">The argument is missing; the message names it and the arguments given.</exception>
    /// <exception cref="InvalidOperationException">The argument is <c>null</c> (allowed only when <typeparamref name="T"/> is a <see cref="Nullable{T}"/>) or cannot be read as <typeparamref name="T"/>.</exception>
    public T GetArgument<T>(string name, JsonTypeInfo<T> jsonTypeInfo)
    {
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        return Read(name, node => node.Deserialize(jsonTypeInfo));
    }

    // Parsed on first use: a worker that never reads its arguments does not pay for loading the JSON library.
    private JsonObject ParseArguments() =>
        JsonNode.Parse(_argumentsJson ?? "{}") as JsonObject
        ?? throw new InvalidOperationException("The worker arguments sent by the parent are not a JSON object.");

    private T Read<T>(string name, Func<JsonNode?, T?> deserialize)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Arguments.TryGetPropertyValue(name, out JsonNode? node))
        {
            string given = Arguments.Count == 0 ? "none" : string.Join(", ", Arguments.Select(p => $"'{p.Key}'"));
            throw new KeyNotFoundException(
                $"Worker argument '{name}' is missing (arguments given: {given}). Set it in the parent with WorkerPoolOptions.Arguments[\"{name}\"] = value.");
        }

        T? value;
        try
        {
            value = deserialize(node);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or FormatException)
        {
            throw new InvalidOperationException(
                $"Worker argument '{name}' holds {Preview(node)}, which cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }

        // Only Nullable<T> may come back null; for other types a null would break the non-null return.
        if (value is null && Nullable.GetUnderlyingType(typeof(T)) is null)
        {
            throw new InvalidOperationException(
                $"Worker argument '{name}' is null, which cannot be read as {typeof(T).Name}; read WorkerContext.Arguments directly when null is allowed.");
        }

        return value!;
    }

    private static string Preview(JsonNode? node)
    {
        string json = node?.ToJsonString() ?? "null";
        return json.Length <= 80 ? json : string.Create(CultureInfo.InvariantCulture, $"{json[..77]}...");
    }

    internal static string GetDatabasePath(string directory, int workerId) =>
        Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"worker_{workerId}.db"));

    internal static string GetArtifactsDirectory(string directory, int workerId) =>
        Path.Combine(directory, "artifacts", string.Create(CultureInfo.InvariantCulture, $"worker_{workerId}"));
}
