namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// One database provider as the conformance suite sees it: a class fixture that hands each test a fresh database of its own
/// (<see cref="StoreUnderTest"/>). <see cref="SqliteProvider"/> and <see cref="PostgreSqlProvider"/> implement it; a test class
/// written once against <c>TProvider</c> runs on both (see <c>Conformance/README.md</c>).
/// </summary>
public interface IStoreProviderFixture : IAsyncLifetime
{
    /// <summary>The provider's name as the <c>Provider</c> trait carries it: <c>Sqlite</c> or <c>PostgreSql</c>.</summary>
    static abstract string ProviderName { get; }

    /// <summary>Why this provider's tests cannot run here (one line), or null when they can. Read without starting anything.</summary>
    static abstract string? SkipReason { get; }

    /// <summary>
    /// Creates a database for one test: migrated to the current schema, or <paramref name="empty"/> (no tables at all: a SQLite
    /// path with no file yet, a PostgreSQL database with nothing in it). The caller disposes it, which drops the database.
    /// </summary>
    /// <param name="label">Names the database after the test class, so a leftover can be traced (in <c>pg_stat_activity</c>, in /tmp).</param>
    /// <param name="empty">Whether the database starts without the store's tables.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    Task<StoreUnderTest> CreateAsync(string label, bool empty = false, CancellationToken cancellationToken = default);
}
