namespace AgentOs.Sdk.Recovery;

/// <summary>An expired lease as the sweep's scan saw it: the update re-checks the epoch and expiry against these.</summary>
internal readonly record struct ExpiredLease(string WorkItemId, long Epoch, long ExpiresAtMilliseconds);
