namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// The base of a conformance test class: gives every test a fresh database on <typeparamref name="TProvider"/> in
/// <see cref="Database"/>, deleted after the test. Write the tests once in an abstract subclass with
/// <see cref="ConformanceFactAttribute"/>, and add one sealed subclass per provider (see <c>Conformance/README.md</c>).
/// </summary>
/// <typeparam name="TProvider"><see cref="SqliteProvider"/> or <see cref="PostgreSqlProvider"/>.</typeparam>
public abstract class StoreConformanceTests<TProvider>(TProvider provider) : IClassFixture<TProvider>, IAsyncLifetime
    where TProvider : class, IStoreProviderFixture
{
    private StoreUnderTest? _database;

    /// <summary>The provider fixture, to create more databases in one test (<see cref="IStoreProviderFixture.CreateAsync"/>).</summary>
    protected TProvider Provider => provider;

    /// <summary>This test's own database (migrated unless <see cref="StartsEmpty"/>).</summary>
    protected StoreUnderTest Database => _database ?? throw new InvalidOperationException("The test database is created in InitializeAsync.");

    /// <summary>Whether <see cref="Database"/> starts without the store's tables (migration tests). Default false: migrated.</summary>
    protected virtual bool StartsEmpty => false;

    /// <summary>Runs after <see cref="Database"/> exists, before the test (open stores, seed rows).</summary>
    protected virtual Task InitializeTestAsync() => Task.CompletedTask;

    /// <summary>Runs after the test, before <see cref="Database"/> and its stores are disposed (dispose what uses the stores).</summary>
    protected virtual Task DisposeTestAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.InitializeAsync()
    {
        _database = await provider.CreateAsync(GetType().Name, StartsEmpty).ConfigureAwait(false);
        await InitializeTestAsync().ConfigureAwait(false);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeTestAsync().ConfigureAwait(false);
        if (_database is not null)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
        }
    }
}
