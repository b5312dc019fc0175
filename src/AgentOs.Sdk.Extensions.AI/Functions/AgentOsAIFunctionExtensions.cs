using AgentOs.Sdk.Idempotency;
using Microsoft.Extensions.AI;

namespace AgentOs.Sdk.Extensions.AI;

/// <summary>Makes <see cref="AIFunction"/> tools run their effects once per idempotency key.</summary>
public static class AgentOsAIFunctionExtensions
{
    /// <summary>
    /// Wraps <paramref name="function"/> so that it runs once per key, recorded in <paramref name="ledger"/>, and replays the
    /// recorded result afterwards; works unchanged under <c>FunctionInvokingChatClient</c>.
    /// </summary>
    /// <param name="function">The tool.</param>
    /// <param name="ledger">The ledger; the caller keeps ownership of its store.</param>
    /// <param name="key">Returns the key's command part from the arguments (for example an order id); null uses all arguments as canonical JSON.</param>
    /// <param name="options">Ledger options (scope, time to live), or null.</param>
    public static ToolLedgerAIFunction WithToolLedger(this AIFunction function, ToolLedger ledger, Func<AIFunctionArguments, string>? key = null, ToolLedgerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ToolLedgerAIFunction(function, ledger, key, options);
    }
}
