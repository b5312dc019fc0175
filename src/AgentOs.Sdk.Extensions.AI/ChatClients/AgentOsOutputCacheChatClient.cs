using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentOs.Sdk.Extensions.AI.Internal;
using AgentOs.Sdk.Idempotency;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.Extensions.AI;

/// <summary>
/// A <see cref="DelegatingChatClient"/> that records each answered request in an <see cref="LlmOutputCache"/> and replays
/// it instead of calling the model again, across threads, processes and restarts.
/// </summary>
/// <remarks>
/// <para>
/// A request answered before returns the recorded <see cref="ChatResponse"/>. A request that another caller is answering
/// right now (in this or another process) waits for that answer; when that caller's claim expired (it died), this call
/// asks the model once more. Failed and cancelled calls are never recorded.
/// </para>
/// <para>
/// The key is the SHA-256 of the operation, the model id and a canonical JSON text of the messages, the options that
/// change the answer and the optional scope (see <see cref="GetCacheKey"/> and <c>docs/extensions-ai.md</c>).
/// </para>
/// <para>
/// Streaming: a request not yet answered streams from the model as usual, and the whole response is recorded once the
/// stream completes; a recorded one is replayed as a stream of updates. The model's stream advances only as the caller
/// reads it, so a stream cut off before the model finished (a crash, a cancellation, a caller that stops reading) records
/// nothing.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class AgentOsOutputCacheChatClient : DelegatingChatClient
{
    private static readonly string[] IgnoredOptions = ["modelId", "allowBackgroundResponses", "continuationToken", "rawRepresentationFactory"];
    private static readonly string[] IgnoredMessageProperties = ["messageId", "createdAt"];

    private readonly LlmOutputCache _cache;
    private readonly AgentOsOutputCacheOptions _options;
    private readonly LlmCacheOptions _cacheOptions;
    private string? _defaultModelId;
    private long _hits;
    private long _misses;
    private long _waits;
    private long _reRuns;

    /// <summary>Creates the client over <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client that calls the model.</param>
    /// <param name="cache">The cache the answers are recorded in; the caller keeps ownership of its store.</param>
    /// <param name="options">Key and expiry settings, or null for the defaults.</param>
    public AgentOsOutputCacheChatClient(IChatClient innerClient, LlmOutputCache cache, AgentOsOutputCacheOptions? options = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _options = options ?? new AgentOsOutputCacheOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Operation, nameof(options));
        ArgumentNullException.ThrowIfNull(_options.JsonSerializerOptions, nameof(options));
        _cacheOptions = new LlmCacheOptions { TimeToLive = _options.TimeToLive };
    }

    /// <summary>This client's hits, misses, waits and re-runs so far.</summary>
    public ChatCacheStatistics Statistics =>
        new(Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _waits), Interlocked.Read(ref _reRuns));

    /// <summary>The idempotency key the answer to this request is recorded under (to inspect or look it up in the store).</summary>
    public IdempotencyKey GetCacheKey(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var (prompt, model) = Describe(messages as IList<ChatMessage> ?? [.. messages], options);
        return LlmOutputCache.CreateKey(_options.Operation, prompt, model);
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var (prompt, model) = Describe(list, options);
        ChatResponse? fresh = null;
        var entry = await _cache.GetOrCreateEntryAsync(
            _options.Operation,
            prompt,
            model,
            async ct =>
            {
                fresh = await base.GetResponseAsync(list, options, ct).ConfigureAwait(false);
                return Serialize(fresh);
            },
            _cacheOptions,
            cancellationToken).ConfigureAwait(false);
        Count(entry.Source);
        // The model's own object on a miss (it keeps its raw representation); the recorded one otherwise.
        return entry.Source is LlmCacheSource.Miss or LlmCacheSource.ReRun && fresh is not null ? fresh : Deserialize(entry.Answer);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IList<ChatMessage> ?? [.. messages];
        var (prompt, model) = Describe(list, options);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // One update in hand at most: the model's stream advances as the caller reads, so a caller that stops early cuts it.
        var live = Channel.CreateBounded<ChatResponseUpdate>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var lookup = _cache.GetOrCreateEntryAsync(
            _options.Operation,
            prompt,
            model,
            async ct =>
            {
                // Runs only when this call answers the request: updates go to the caller as they come, and the whole
                // response is returned (and recorded) only after the stream completed.
                var updates = new List<ChatResponseUpdate>();
                await foreach (var update in base.GetStreamingResponseAsync(list, options, ct).WithCancellation(ct).ConfigureAwait(false))
                {
                    updates.Add(update);
                    await live.Writer.WriteAsync(update, ct).ConfigureAwait(false);
                }

                return Serialize(updates.ToChatResponse());
            },
            _cacheOptions,
            stop.Token);
        // Ends the live stream whether the model streamed, the answer was replayed, or the call failed.
        _ = lookup.ContinueWith(static (t, state) => ((ChannelWriter<ChatResponseUpdate>)state!).TryComplete(), live.Writer, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var finished = false;
        try
        {
            await foreach (var update in live.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            finished = true;
        }
        finally
        {
            if (!finished)
            {
                // The consumer stopped early or was cancelled: cut the model's stream, so nothing is recorded.
                await stop.CancelAsync().ConfigureAwait(false);
                await ObserveAsync(lookup).ConfigureAwait(false);
            }
        }

        var entry = await lookup.ConfigureAwait(false);
        Count(entry.Source);
        if (entry.Source is LlmCacheSource.Hit or LlmCacheSource.Waited)
        {
            foreach (var update in Deserialize(entry.Answer).ToChatResponseUpdates())
            {
                yield return update;
            }
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The caller already left; the outcome of the cut-off call has nobody to go to.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void Count(LlmCacheSource source)
    {
        switch (source)
        {
            case LlmCacheSource.Hit:
                Interlocked.Increment(ref _hits);
                break;
            case LlmCacheSource.Miss:
                Interlocked.Increment(ref _misses);
                break;
            case LlmCacheSource.Waited:
                Interlocked.Increment(ref _waits);
                break;
            default:
                Interlocked.Increment(ref _reRuns);
                break;
        }

        ChatCacheTelemetry.Record(source, _options.Operation);
    }

    private string Serialize(ChatResponse response) =>
        JsonSerializer.Serialize(response, _options.JsonSerializerOptions.GetTypeInfo(typeof(ChatResponse)));

    private ChatResponse Deserialize(string json) =>
        (ChatResponse?)JsonSerializer.Deserialize(json, _options.JsonSerializerOptions.GetTypeInfo(typeof(ChatResponse)))
        ?? throw new InvalidDataException($"A recorded answer of the '{_options.Operation}' cache is JSON null, not a chat response.");

    private (string Prompt, string Model) Describe(IList<ChatMessage> messages, ChatOptions? options)
    {
        var json = _options.JsonSerializerOptions;
        var request = new JsonObject();
        var messageArray = new JsonArray();
        foreach (var message in messages)
        {
            var node = JsonSerializer.SerializeToNode(message, json.GetTypeInfo(typeof(ChatMessage)))!.AsObject();
            // When and under which id a message was created does not change the answer.
            foreach (var name in IgnoredMessageProperties)
            {
                node.Remove(name);
            }

            messageArray.Add(node);
        }

        request["messages"] = messageArray;
        if (options is not null)
        {
            var node = JsonSerializer.SerializeToNode(options, json.GetTypeInfo(typeof(ChatOptions)))!.AsObject();
            // Everything else stays in: an option the key does not know about is assumed to change the answer.
            foreach (var name in IgnoredOptions)
            {
                node.Remove(name);
            }

            if (options.Tools is { Count: > 0 } tools)
            {
                node["tools"] = new JsonArray([.. tools.Select(tool => (JsonNode)DescribeTool(tool))]);
            }

            request["options"] = node;
        }

        if (_options.Scope?.Invoke(messages, options) is { } scope)
        {
            request["scope"] = scope;
        }

        var model = options?.ModelId ?? DefaultModelId();
        return (CanonicalJson.ToText(request), model);
    }

    private static JsonObject DescribeTool(AITool tool)
    {
        var node = new JsonObject { ["name"] = tool.Name, ["description"] = tool.Description, ["kind"] = tool.GetType().Name };
        if (tool is AIFunctionDeclaration function)
        {
            node["kind"] = "function";
            node["schema"] = JsonNode.Parse(function.JsonSchema.GetRawText());
        }

        return node;
    }

    private string DefaultModelId() =>
        _defaultModelId ??= InnerClient.GetService<ChatClientMetadata>()?.DefaultModelId ?? string.Empty;
}
