using System.Data.Common;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentOs.Sdk.Tests.Conformance;

/// <summary>
/// The SQLite side of the conformance suite: each test gets a file of its own in a folder under this class fixture's temp
/// directory, deleted when the test is done. Always available.
/// </summary>
public sealed class SqliteProvider : IStoreProviderFixture
{
    /// <summary>The <c>Provider</c> trait's value for SQLite tests.</summary>
    public const string Name = "Sqlite";

    private TempDirectory? _temp;

    /// <inheritdoc />
    public static string ProviderName => Name;

    /// <inheritdoc />
    public static string? SkipReason => null;

    /// <inheritdoc />
    public async Task<StoreUnderTest> CreateAsync(string label, bool empty = false, CancellationToken cancellationToken = default)
    {
        var temp = _temp ?? throw new InvalidOperationException("The SQLite provider fixture was not initialized.");
        var folder = temp.Combine($"{(label.Length > 40 ? label[..40] : label)}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var database = new SqliteStoreUnderTest(Path.Combine(folder, "store.db"), folder);
        if (!empty)
        {
            // Migrated now, like the PostgreSQL template, so that admin SQL before the first Open finds the tables.
            (await AgentOsStore.OpenAsync(database.ConnectionString, cancellationToken: cancellationToken).ConfigureAwait(false)).Dispose();
        }

        return database;
    }

    Task IAsyncLifetime.InitializeAsync()
    {
        _temp = new TempDirectory("agentos-conformance-");
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        _temp?.Dispose();
        return Task.CompletedTask;
    }

    private sealed class SqliteStoreUnderTest(string path, string folder) : StoreUnderTest
    {
        public override string ProviderName => Name;

        public override string ConnectionString => path;

        public override string Location => path;

        internal override IReadOnlyList<Migration> Migrations => Migration.All;

        public override async Task<List<string>> TablesAsync(CancellationToken cancellationToken = default)
        {
            if (!File.Exists(path))
            {
                return [];
            }

            var tables = await ColumnAsync("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", cancellationToken).ConfigureAwait(false);
            return [.. tables.OfType<string>()];
        }

        public override Task<StartupHealthReport> CheckHealthAsync(CancellationToken cancellationToken = default) =>
            new StartupHealthCheck(path).RunAllChecksAsync(cancellationToken);

        public override Task<StartupHealthReport> RunHealthCheckAsync(HealthCheckMode mode, CancellationToken cancellationToken = default) =>
            Task.Run(() => StartupHealthCheck.Run(path, mode, verbose: false), cancellationToken);

        public override IHealthCheck CreateHealthCheck() => new AgentOsStoreHealthCheck(path);

        public override async Task<DbConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken = default)
        {
            var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }

        protected override StoreOptions Target(StoreOptions options)
        {
            options.DatabasePath = path;
            return options;
        }

        protected override ValueTask DeleteAsync()
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A child process a test killed may still hold a file; the fixture's folder goes at the end of the class.
            }

            return ValueTask.CompletedTask;
        }
    }
}
