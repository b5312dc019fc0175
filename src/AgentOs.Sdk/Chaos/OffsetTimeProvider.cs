namespace AgentOs.Sdk.Chaos;

/// <summary>The system clock moved forward by a fixed amount: lets a drill stand a minute in the future instead of sleeping a minute.</summary>
internal sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
