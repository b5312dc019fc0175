namespace AgentOs.Sdk.Chaos;

/// <summary>One chaos scenario, runnable against any configuration. Subclass it to add your own drills.</summary>
public abstract class ChaosDrill
{
    /// <summary>The scenario number.</summary>
    public abstract int Number { get; }

    /// <summary>The scenario name, for example <c>Scenario2_ConcurrentCheckpoints</c>.</summary>
    public abstract string Name { get; }

    /// <summary>One sentence on what the drill does and what it proves.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Whether the drill opens every database through <see cref="ChaosDrillContext.OpenStore"/> and
    /// <see cref="ChaosDrillContext.PassStore"/>, so that it runs on a server store (<see cref="ChaosStoreProvider.IsServer"/>)
    /// as well as on SQLite. Default false: a drill that opens SQLite files itself is skipped on a server store, with the reason.
    /// </summary>
    public virtual bool SupportsServerStores => false;

    /// <summary>Runs the drill; throws <see cref="ChaosAssertionException"/> when a guarantee does not hold.</summary>
    /// <returns>The headline figure of the run.</returns>
    protected internal abstract Task<string> ExecuteAsync(ChaosDrillContext context, CancellationToken cancellationToken);
}
