using AgentOs.Sdk.Idempotency;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.AI.Tests.TestSupport;

/// <summary>A real store file in a temp folder, with an idempotency store, an LLM cache and a tool ledger over it.</summary>
public sealed class StoreFixture : IDisposable
{
    private readonly TempDirectory? _ownedDirectory;

    public StoreFixture(string? databasePath = null, string owner = "test-owner", TimeProvider? timeProvider = null, IdempotencyOptions? options = null)
    {
        if (databasePath is null)
        {
            _ownedDirectory = new TempDirectory();
            databasePath = _ownedDirectory.Combine("agentos.db");
        }

        DatabasePath = databasePath;
        Store = AgentOsStore.Open(databasePath);
        Idempotency = new IdempotencyStore(Store, owner, timeProvider, options);
        Cache = new LlmOutputCache(Idempotency);
        Ledger = new ToolLedger(Idempotency);
    }

    public string DatabasePath { get; }

    public AgentOsStore Store { get; }

    public IdempotencyStore Idempotency { get; }

    public LlmOutputCache Cache { get; }

    public ToolLedger Ledger { get; }

    public void Dispose()
    {
        Idempotency.Dispose();
        Store.Dispose();
        _ownedDirectory?.Dispose();
    }
}
