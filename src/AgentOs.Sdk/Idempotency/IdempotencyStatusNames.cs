namespace AgentOs.Sdk.Idempotency;

/// <summary>The strings the <c>idempotency_keys.status</c> column holds.</summary>
internal static class IdempotencyStatusNames
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string InDoubt = "in_doubt";

    public static IdempotencyStatus Parse(string value) => value switch
    {
        Pending => IdempotencyStatus.Pending,
        Succeeded => IdempotencyStatus.Succeeded,
        Failed => IdempotencyStatus.Failed,
        InDoubt => IdempotencyStatus.InDoubt,
        _ => throw new InvalidDataException($"Unknown idempotency status '{value}' in idempotency_keys.status."),
    };
}
