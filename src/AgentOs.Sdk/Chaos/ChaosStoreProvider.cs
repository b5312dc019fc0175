using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Chaos;

/// <summary>
/// Where chaos drills keep their databases: SQLite files in each drill's folder (<see cref="Sqlite"/>, the default), or a
/// database server that every host shares (<c>PostgreSqlChaosStoreProvider</c> in <c>AgentOs.Sdk.PostgreSql</c>). A drill
/// opens its databases through <see cref="ChaosDrillContext.OpenStore"/> and hands them to its worker processes with
/// <see cref="ChaosDrillContext.PassStore"/>, so the same drill runs on either.
/// </summary>
/// <remarks>
/// <para>Every run of a drill gets clean databases: SQLite files in the drill's fresh folder, or fresh databases on the
/// server. They are deleted when the drill passes (unless <see cref="ChaosDrillOptions.DeletePassedDrillDirectories"/> is
/// false) and kept for inspection when it fails.</para>
/// <para>Worker processes make their own instance of the provider from its type (a parameterless constructor, which may be
/// private) and open databases by the address the parent created: keep everything a worker needs in the address.</para>
/// </remarks>
public abstract class ChaosStoreProvider
{
    /// <summary>SQLite files in each drill's folder: the default, and what <c>agentos chaos</c> runs without <c>--store</c>.</summary>
    public static ChaosStoreProvider Sqlite { get; } = new SqliteChaosStoreProvider();

    /// <summary>The database's name for reports, for example <c>SQLite</c> or <c>PostgreSQL</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Whether the databases live on a server that several hosts share, rather than in files beside the drill. Drills that
    /// open SQLite files themselves (see <see cref="ChaosDrill.SupportsServerStores"/>) are skipped on such a store.
    /// </summary>
    public abstract bool IsServer { get; }

    /// <summary>Where the databases are, for reports: a server's host, port and database, never a password.</summary>
    public abstract string Location { get; }

    /// <summary>
    /// Creates a clean, empty database called <paramref name="name"/> for the running drill and returns its address: the
    /// text <see cref="Configure"/> turns into store options, in the parent and in worker processes.
    /// </summary>
    /// <param name="context">The running drill (its folder, number and seed).</param>
    /// <param name="name">The database's name within the drill, for example <c>leases</c>.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    protected internal abstract Task<string> CreateDatabaseAsync(ChaosDrillContext context, string name, CancellationToken cancellationToken);

    /// <summary>Points <paramref name="options"/> at the database at <paramref name="address"/>.</summary>
    /// <param name="options">A copy of the drills' store options, to change.</param>
    /// <param name="address">What <see cref="CreateDatabaseAsync"/> returned.</param>
    /// <param name="followCallerClock">
    /// Whether lease and claim expiry follow the caller's clock (drills that stand in the future with an offset clock instead
    /// of sleeping) rather than the server's (drills where several hosts must agree on one clock). SQLite always follows the caller's.
    /// </param>
    protected internal abstract void Configure(StoreOptions options, string address, bool followCallerClock);

    /// <summary>Deletes the databases of a drill that passed. SQLite's files go with the drill's folder, so the default does nothing.</summary>
    /// <param name="addresses">What <see cref="CreateDatabaseAsync"/> returned for the drill.</param>
    /// <param name="cancellationToken">Cancels the clean-up.</param>
    protected internal virtual Task DeleteDatabasesAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The address as reports may show it: a file path, or a server's host, port and database without the password.</summary>
    protected internal virtual string Describe(string address) => address;

    /// <summary>Returns <see cref="Name"/> and <see cref="Location"/>.</summary>
    public override string ToString() => $"{Name} ({Location})";
}
