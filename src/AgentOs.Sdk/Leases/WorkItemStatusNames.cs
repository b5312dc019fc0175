namespace AgentOs.Sdk.Leases;

/// <summary>The strings the <c>work_items.status</c> column holds for each <see cref="WorkItemStatus"/>.</summary>
internal static class WorkItemStatusNames
{
    public const string Pending = "pending";
    public const string Leased = "leased";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public static WorkItemStatus Parse(string value) => value switch
    {
        Pending => WorkItemStatus.Pending,
        Leased => WorkItemStatus.Leased,
        Succeeded => WorkItemStatus.Succeeded,
        Failed => WorkItemStatus.Failed,
        _ => throw new InvalidDataException($"Unknown work item status '{value}' in work_items.status."),
    };
}
