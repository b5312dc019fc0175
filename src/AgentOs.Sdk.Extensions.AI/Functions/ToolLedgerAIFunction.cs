using System.Text.Json;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Extensions.AI.Internal;
using AgentOs.Sdk.Idempotency;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.Extensions.AI;

/// <summary>
/// A <see cref="DelegatingAIFunction"/> that runs its inner function once per idempotency key through a
/// <see cref="ToolLedger"/> and replays the recorded result afterwards, across threads, processes and restarts.
/// </summary>
/// <remarks>
/// <para>
/// The key is the function's name and a command: by default the canonical JSON of the arguments (property order and
/// whitespace never split it), or what the key selector returns. The result is recorded as JSON and returned as a
/// <see cref="JsonElement"/>, the first time and on every replay alike. A function that throws records a failure that is
/// never replayed: the next call runs it again.
/// </para>
/// <para>
/// In doubt: when a process dies after the inner function's effect but before the result was recorded, the key's claim
/// expires and the next call runs the function again (<see cref="ToolLedgerResult.PreviousAttemptInDoubt"/>). Exactly
/// once for an external effect needs the effect's own idempotency key (pass <see cref="IdempotencyKeyOf"/> to the
/// external system), so that the second attempt is recognised there.
/// </para>
/// </remarks>
public sealed class ToolLedgerAIFunction : DelegatingAIFunction
{
    private readonly ToolLedger _ledger;
    private readonly Func<AIFunctionArguments, string>? _key;
    private readonly ToolLedgerOptions? _options;

    /// <summary>Wraps <paramref name="innerFunction"/>.</summary>
    /// <param name="innerFunction">The function whose effect must happen once per key.</param>
    /// <param name="ledger">The ledger the results are recorded in.</param>
    /// <param name="key">Returns the command part of the key from the arguments; null uses the canonical JSON of all arguments.</param>
    /// <param name="options">Ledger options (scope, time to live, whether failures are replayed), or null.</param>
    public ToolLedgerAIFunction(AIFunction innerFunction, ToolLedger ledger, Func<AIFunctionArguments, string>? key = null, ToolLedgerOptions? options = null)
        : base(innerFunction)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
        _key = key;
        _options = options;
    }

    /// <summary>The idempotency key a call with <paramref name="arguments"/> is recorded under: give it to an external system that de-duplicates.</summary>
    public IdempotencyKey IdempotencyKeyOf(AIFunctionArguments arguments) => ToolLedger.CreateKey(Name, CommandOf(arguments), _options?.Scope);

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var result = await _ledger.ExecuteOrReplayAsync(
            Name,
            CommandOf(arguments),
            async ct =>
            {
                var value = await base.InvokeCoreAsync(arguments, ct).ConfigureAwait(false);
                return new ToolResult(0, Serialize(value), string.Empty);
            },
            _options,
            cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(result.Result.Stdout, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonElement)));
    }

    private string CommandOf(AIFunctionArguments arguments)
    {
        if (_key is not null)
        {
            return _key(arguments) ?? throw new InvalidOperationException($"The idempotency key selector of tool '{Name}' returned null.");
        }

        var json = JsonSerializerOptions;
        var node = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            node[name] = value is null ? null : JsonSerializer.SerializeToNode(value, json.GetTypeInfo(value.GetType()));
        }

        return CanonicalJson.ToText(node);
    }

    private string Serialize(object? value) =>
        value is null ? "null" : JsonSerializer.Serialize(value, JsonSerializerOptions.GetTypeInfo(value.GetType()));
}
