using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Workers;

namespace AgentOs.Sdk.Chaos;

public sealed partial class ChaosDrillContext
{
    // Name -> address, in creation order: the databases to delete when the drill passes.
    private readonly List<KeyValuePair<string, string>> _stores = [];

    /// <summary>The running drill's number.</summary>
    public int DrillNumber => _drill.Number;

    /// <summary>The running drill's name.</summary>
    public string DrillName => _drill.Name;

    /// <summary>Where the drill's databases live (<see cref="ChaosDrillOptions.StoreProvider"/>).</summary>
    public ChaosStoreProvider StoreProvider => Options.StoreProvider;

    /// <summary>The addresses of the databases this drill created, as reports may show them (never a password).</summary>
    public IReadOnlyList<string> StoreLocations => [.. _stores.Select(s => StoreProvider.Describe(s.Value))];

    internal IReadOnlyList<string> StoreAddresses => [.. _stores.Select(s => s.Value)];

    /// <summary>
    /// Opens the drill's database <paramref name="name"/>, creating it clean on first use: a SQLite file in the drill's folder,
    /// or a fresh database on the server of <see cref="ChaosDrillOptions.StoreProvider"/>. The caller disposes the store.
    /// </summary>
    /// <param name="name">The database's name within the drill, for example <c>leases</c>.</param>
    /// <param name="followCallerClock">
    /// Whether lease and claim expiry follow the caller's clock rather than a server's: set it when the drill stands in the
    /// future with an offset <see cref="TimeProvider"/> instead of sleeping. SQLite always follows the caller's clock.
    /// </param>
    /// <exception cref="StoreException">The database cannot be created or opened; the message names it.</exception>
    public AgentOsStore OpenStore(string name, bool followCallerClock = false) =>
        AgentOsStore.Open(StoreOptionsFor(name, followCallerClock));

    /// <summary>Asynchronous <see cref="OpenStore"/>.</summary>
    /// <exception cref="StoreException">The database cannot be created or opened; the message names it.</exception>
    public async Task<AgentOsStore> OpenStoreAsync(string name, bool followCallerClock = false, CancellationToken cancellationToken = default)
    {
        var address = await AddressOfAsync(name, cancellationToken).ConfigureAwait(false);
        return await AgentOsStore.OpenAsync(OptionsFor(StoreProvider, address, followCallerClock, Options.Store), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The store options that open the drill's database <paramref name="name"/> (created clean on first use); see <see cref="OpenStore"/>.</summary>
    public StoreOptions StoreOptionsFor(string name, bool followCallerClock = false) =>
        OptionsFor(StoreProvider, AddressOfAsync(name, CancellationToken.None).GetAwaiter().GetResult(), followCallerClock, Options.Store);

    /// <summary>
    /// Hands the drill's database <paramref name="name"/> (created clean on first use) to the workers of a pool, as the
    /// worker argument <paramref name="argument"/>; a worker opens it with <see cref="ChaosWorkerStore.Open(WorkerContext, string)"/>.
    /// </summary>
    /// <param name="options">The pool's options.</param>
    /// <param name="name">The database's name within the drill.</param>
    /// <param name="argument">The worker argument that carries it. Default <c>store</c>.</param>
    /// <param name="followCallerClock">See <see cref="OpenStore"/>.</param>
    public void PassStore(WorkerPoolOptions options, string name, string argument = ChaosWorkerStore.DefaultArgument, bool followCallerClock = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(argument);
        var address = AddressOfAsync(name, CancellationToken.None).GetAwaiter().GetResult();
        var provider = StoreProvider.GetType();
        options.Arguments[argument] = new JsonObject
        {
            [ChaosWorkerStore.ProviderKey] = provider.AssemblyQualifiedName,
            [ChaosWorkerStore.AssemblyKey] = AssemblyPathOf(provider),
            [ChaosWorkerStore.AddressKey] = address,
            [ChaosWorkerStore.CallerClockKey] = followCallerClock,
            [ChaosWorkerStore.SynchronousKey] = Options.Store.Synchronous.ToString(),
            [ChaosWorkerStore.BusyTimeoutKey] = (long)Options.Store.BusyTimeout.TotalMilliseconds,
        };
    }

    internal static StoreOptions OptionsFor(ChaosStoreProvider provider, string address, bool followCallerClock, StoreOptions template)
    {
        var options = new StoreOptions
        {
            BusyTimeout = template.BusyTimeout,
            AllowShortBusyTimeout = template.AllowShortBusyTimeout,
            Synchronous = template.Synchronous,
            TimeProvider = template.TimeProvider,
            LoggerFactory = template.LoggerFactory,
            MeterFactory = template.MeterFactory,
        };
        provider.Configure(options, address, followCallerClock);
        return options;
    }

    // Where a worker host that does not reference the provider's package can load it from; empty in a single-file app,
    // whose workers are the app itself and find the provider by name.
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Empty in single-file apps, where workers load the provider by name.")]
    private static string AssemblyPathOf(Type provider) => provider.Assembly.Location;

    private async Task<string> AddressOfAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        foreach (var (existing, address) in _stores)
        {
            if (existing == name)
            {
                return address;
            }
        }

        var created = await StoreProvider.CreateDatabaseAsync(this, name, cancellationToken).ConfigureAwait(false);
        _stores.Add(new(name, created));
        return created;
    }
}
