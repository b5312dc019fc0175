using AgentOs.Sdk.Recovery;

namespace AgentOs.Sdk.Hosting.Tests;

internal static class SweepTestSupport
{
    /// <summary>Completes with the next sweep run's result (tests await it instead of sleeping).</summary>
    public static Task<RecoveryStats?> NextSweep(this AgentOsRecoveryState state)
    {
        var next = new TaskCompletionSource<RecoveryStats?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<RecoveryStats?>? handler = null;
        handler = stats =>
        {
            state.SweepCompleted -= handler;
            next.TrySetResult(stats);
        };
        state.SweepCompleted += handler;
        return next.Task;
    }
}
