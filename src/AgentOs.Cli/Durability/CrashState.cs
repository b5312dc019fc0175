namespace AgentOs.Cli.Durability;

/// <summary>What the directory may hold after a crash: its files by name, and which calls persisted to make it so.</summary>
/// <param name="CrashPoint">How many of the recorded calls had completed when the machine stopped.</param>
/// <param name="AfterReturn">Whether the operation had already returned to its caller (every call had completed).</param>
/// <param name="Files">The files left in the directory, by name.</param>
/// <param name="Description">Which calls not yet durable persisted, were lost or were torn: enough to replay the state.</param>
internal sealed record CrashState(int CrashPoint, bool AfterReturn, IReadOnlyDictionary<string, byte[]> Files, string Description);
