namespace AgentOs.Sdk.Health.Internal;

/// <summary>What one check found, before its name and duration are attached.</summary>
internal readonly record struct CheckOutcome(bool Passed, string Message)
{
    public static CheckOutcome Pass(string message) => new(true, message);

    public static CheckOutcome Fail(string message) => new(false, message);

    /// <summary>A check that could not run because something it depends on failed; it counts as failed.</summary>
    public static CheckOutcome NotRun(string reason) => new(false, "Not run: " + reason);
}
