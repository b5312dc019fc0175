using AgentOs.Sdk.Checkpoints;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.Conformance;
namespace AgentOs.Sdk.Tests.Checkpoints;

/// <summary>
/// The base of the checkpoint conformance tests: each test gets a <see cref="CheckpointTestContext"/> on its own database
/// of <typeparamref name="TProvider"/> (SQLite or PostgreSQL), with a fake clock that drives the store on both.
/// </summary>
public abstract class CheckpointConformanceTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider), IDisposable
    where TProvider : class, IStoreProviderFixture
{
    private CheckpointTestContext? _context;

    internal CheckpointTestContext Context => _context ?? throw new InvalidOperationException("The context is created in InitializeTestAsync.");

    internal CheckpointManager Manager => Context.Manager;

    public void Dispose()
    {
        _context?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Adds to the manager's options (evidence verifiers...).</summary>
    protected virtual void ConfigureManager(CheckpointManagerOptions options)
    {
    }

    /// <summary>Adds to the store's options (synchronous mode...).</summary>
    protected virtual void ConfigureStore(StoreOptions options)
    {
    }

    protected override Task InitializeTestAsync()
    {
        _context = new CheckpointTestContext(Database, ConfigureManager, ConfigureStore);
        return Task.CompletedTask;
    }
}
