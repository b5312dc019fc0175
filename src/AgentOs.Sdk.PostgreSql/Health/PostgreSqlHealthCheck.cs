using System.Globalization;
using AgentOs.Sdk.Health;
using AgentOs.Sdk.Health.Internal;
using AgentOs.Sdk.PostgreSql.Internal;
using AgentOs.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentOs.Sdk.PostgreSql.Health;

/// <summary>
/// The start-up health check of a PostgreSQL store, with the same report, JSON and modes as the SQLite one: the server is
/// reachable within a timeout and new enough, the schema is at least 0.24 with every recovery table, commits are durable
/// (<c>synchronous_commit</c> not <c>off</c>, <c>fsync</c> on) and the role can write.
/// </summary>
/// <remarks>
/// The check only reads: it never creates or migrates anything. It opens one connection of its own (no pooling), so a
/// check of a server that went away never waits on a pooled connection that died with it. No check throws; each problem
/// is a failed check whose message names the host and database (never the password).
/// </remarks>
public sealed class PostgreSqlHealthCheck
{
    /// <summary>The oldest server release the store's SQL is written for.</summary>
    public const int MinimumServerMajorVersion = 13;

    private readonly string _connectionString;
    private readonly PostgreSqlHealthCheckOptions _options;

    /// <summary>Creates a check for the database that <paramref name="connectionString"/> names.</summary>
    /// <exception cref="ArgumentException">The connection string is not valid or names no host or database.</exception>
    public PostgreSqlHealthCheck(string connectionString, PostgreSqlHealthCheckOptions? options = null)
    {
        Endpoint = PostgreSqlEndpoint.Parse(connectionString);
        _options = (options ?? new PostgreSqlHealthCheckOptions()).Clone();
        _options.Validate();
        _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Timeout = Math.Max(1, (int)Math.Ceiling(_options.ConnectTimeout.TotalSeconds)),
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(_options.ConnectTimeout.TotalSeconds)),
            PersistSecurityInfo = false,
            ApplicationName = "AgentOs.Sdk health check",
        }.ConnectionString;
    }

    /// <summary>The server and database the check examines.</summary>
    public PostgreSqlEndpoint Endpoint { get; }

    /// <summary>Runs every check and returns the report. Never throws for a problem with the server or database.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<StartupHealthReport> RunAllChecksAsync(CancellationToken cancellationToken = default)
    {
        var clock = _options.TimeProvider;
        var checkedAt = clock.GetUtcNow();
        var started = clock.GetTimestamp();
        var name = Endpoint.ToString();
        var results = new List<HealthCheckResultEntry>(7);
        var run = new Run(this, cancellationToken);
        await using (run.ConfigureAwait(false))
        {
            (string Name, Func<Task<CheckOutcome>> Check)[] plan =
            [
                (PostgreSqlHealthCheckNames.ServerReachable, run.ServerReachableAsync),
                (PostgreSqlHealthCheckNames.ServerVersion, run.ServerVersionAsync),
                (PostgreSqlHealthCheckNames.SchemaVersion, run.SchemaVersionAsync),
                (PostgreSqlHealthCheckNames.RecoveryTables, run.RecoveryTablesAsync),
                (PostgreSqlHealthCheckNames.SynchronousCommit, run.SynchronousCommitAsync),
                (PostgreSqlHealthCheckNames.Fsync, run.FsyncAsync),
                (PostgreSqlHealthCheckNames.RoleCanWrite, run.RoleCanWriteAsync),
            ];

            foreach (var (check, body) in plan)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var checkStarted = clock.GetTimestamp();
                var outcome = await run.ExecuteAsync(body).ConfigureAwait(false);
                var entry = new HealthCheckResultEntry(check, outcome.Passed, outcome.Message, clock.GetElapsedTime(checkStarted));
                results.Add(entry);
                if (_options.Logger is { } logger)
                {
                    HealthCheckLog.CheckCompleted(logger, check, name, entry.Passed ? "passed" : "failed", entry.Duration.TotalMilliseconds, entry.Message);
                }
            }

            return new StartupHealthReport(
                name,
                checkedAt,
                results,
                sqliteVersion: "not used",
                run.SchemaVersion,
                clock.GetElapsedTime(started),
                mode: null,
                serverVersion: run.ServerVersion is { } version ? "PostgreSQL " + version : null);
        }
    }

    /// <summary>
    /// Runs every check, prints the report when <paramref name="verbose"/>, and acts on failures as <paramref name="mode"/>
    /// says, exactly as <see cref="StartupHealthCheck.Run"/> does for SQLite: Strict throws, Safe disables recovery, Dev warns.
    /// </summary>
    /// <exception cref="StartupHealthCheckException">A check failed in <see cref="HealthCheckMode.Strict"/> mode.</exception>
    public static async Task<StartupHealthReport> RunAsync(
        string connectionString,
        HealthCheckMode mode = HealthCheckMode.Strict,
        bool verbose = true,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown health check mode.");
        }

        var check = new PostgreSqlHealthCheck(connectionString, new PostgreSqlHealthCheckOptions { Logger = logger });
        var report = (await check.RunAllChecksAsync(cancellationToken).ConfigureAwait(false)).WithMode(mode);
        if (verbose)
        {
            var table = report.ToTable();
            if (logger is null)
            {
                Console.Out.Write(table);
            }
            else if (report.AllPassed)
            {
                HealthCheckLog.ReportPassed(logger, table);
            }
            else
            {
                HealthCheckLog.ReportFailed(logger, table);
            }
        }

        if (report.AllPassed)
        {
            return report;
        }

        var failed = report.Checks.Where(c => !c.Passed).ToList();
        if (mode == HealthCheckMode.Strict)
        {
            if (logger is not null)
            {
                var failures = string.Join("; ", failed.Select(c => $"{c.Name}: {c.Message}"));
                HealthCheckLog.StrictFailure(logger, report.DatabasePath, failures);
            }

            throw new StartupHealthCheckException(report);
        }

        var consequence = mode == HealthCheckMode.Dev ? "dev mode goes on with recovery enabled" : "safe mode turns recovery off";
        foreach (var failure in failed)
        {
            if (logger is not null)
            {
                HealthCheckLog.CheckFailed(logger, failure.Name, report.DatabasePath, consequence, failure.Message);
            }
            else
            {
                Console.Error.WriteLine($"warning: start-up health check {failure.Name} failed on {report.DatabasePath}; {consequence}: {failure.Message}");
            }
        }

        return report;
    }

    /// <summary>One run: its connection and what the earlier checks found.</summary>
    private sealed class Run(PostgreSqlHealthCheck owner, CancellationToken cancellationToken) : IAsyncDisposable
    {
        private NpgsqlConnection? _connection;
        private string? _unreachable;
        private bool _tablesExist;

        public SchemaVersion? SchemaVersion { get; private set; }

        public string? ServerVersion { get; private set; }

        private string Name => owner.Endpoint.ToString();

        public async Task<CheckOutcome> ServerReachableAsync()
        {
            var connection = new NpgsqlConnection(owner._connectionString);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(owner._options.ConnectTimeout);
                await connection.OpenAsync(timeout.Token).ConfigureAwait(false);
                _connection = connection;
                return CheckOutcome.Pass($"Connected to {Name}.");
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                _unreachable = ex switch
                {
                    PostgresException { SqlState: PostgreSqlErrors.InvalidPassword or PostgreSqlErrors.InvalidAuthorization } pg =>
                        $"the server refused the credentials ({pg.SqlState}: {pg.MessageText})",
                    PostgresException { SqlState: PostgreSqlErrors.InvalidCatalogName } pg =>
                        $"the database does not exist ({pg.MessageText})",
                    PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
                    OperationCanceledException => string.Create(CultureInfo.InvariantCulture, $"no answer within {owner._options.ConnectTimeout.TotalSeconds:0.#} s"),
                    _ => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message,
                };
                return CheckOutcome.Fail($"Cannot connect to {Name}: {_unreachable}.");
            }
        }

        public Task<CheckOutcome> ServerVersionAsync() => ReadAsync(async connection =>
        {
            var number = Convert.ToInt32(await ScalarAsync(connection, "SHOW server_version_num").ConfigureAwait(false), CultureInfo.InvariantCulture);
            ServerVersion = connection.PostgreSqlVersion.ToString();
            var major = number / 10000;
            return major >= MinimumServerMajorVersion
                ? CheckOutcome.Pass($"PostgreSQL {ServerVersion}.")
                : CheckOutcome.Fail($"{Name} runs PostgreSQL {ServerVersion}; the store needs {MinimumServerMajorVersion} or newer.");
        });

        public Task<CheckOutcome> SchemaVersionAsync() => ReadAsync(async connection =>
        {
            if (!(bool)(await ScalarAsync(connection, "SELECT to_regclass('schema_version') IS NOT NULL").ConfigureAwait(false))!)
            {
                return CheckOutcome.Fail($"{Name} has no schema_version table: it is not an AgentOs store yet. Create the store with 'agentos init' or by opening it once.");
            }

            await using var command = new NpgsqlCommand(SchemaMigrator.NewestAppliedSql, connection);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return CheckOutcome.Fail($"{Name} has an empty schema_version table: no migration was ever applied.");
                }

                var version = new SchemaVersion(reader.GetInt32(0), reader.GetInt32(1));
                SchemaVersion = version;
                var known = PostgreSqlMigrations.CurrentVersion;
                if (version > known)
                {
                    return CheckOutcome.Fail($"{Name} is at schema {version}, newer than {known} which this build knows; use a newer build.");
                }

                var minimum = owner._options.MinimumSchemaVersion;
                return version < minimum
                    ? CheckOutcome.Fail($"{Name} is at schema {version}; the recovery features need {minimum} or newer.")
                    : CheckOutcome.Pass($"Schema {version} (this build knows up to {known}).");
            }
        });

        public Task<CheckOutcome> RecoveryTablesAsync() => ReadAsync(async connection =>
        {
            var missing = new List<string>();
            foreach (var table in StoreSchema.RecoveryTables)
            {
                await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
                command.Parameters.AddWithValue("name", table);
                if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    missing.Add(table);
                }
            }

            _tablesExist = missing.Count == 0;
            return _tablesExist
                ? CheckOutcome.Pass($"All {StoreSchema.RecoveryTables.Count} recovery tables exist.")
                : CheckOutcome.Fail($"{Name} lacks {string.Join(", ", missing)}.");
        });

        public Task<CheckOutcome> SynchronousCommitAsync() => ReadAsync(async connection =>
        {
            // The value this role's sessions get (ALTER ROLE/DATABASE ... SET may differ from postgresql.conf).
            var value = (string)(await ScalarAsync(connection, "SHOW synchronous_commit").ConfigureAwait(false))!;
            return string.Equals(value, "off", StringComparison.OrdinalIgnoreCase)
                ? CheckOutcome.Fail($"{Name}: synchronous_commit is off, so a commit returns before it is on disk and a committed checkpoint can be lost in a crash. Set it to on.")
                : CheckOutcome.Pass($"synchronous_commit = {value}.");
        });

        public Task<CheckOutcome> FsyncAsync() => ReadAsync(async connection =>
        {
            var value = (string)(await ScalarAsync(connection, "SHOW fsync").ConfigureAwait(false))!;
            return string.Equals(value, "on", StringComparison.OrdinalIgnoreCase)
                ? CheckOutcome.Pass("fsync = on.")
                : CheckOutcome.Fail($"{Name}: fsync is {value}: a server crash can lose committed data or corrupt the cluster. Turn fsync on.");
        });

        public Task<CheckOutcome> RoleCanWriteAsync() => ReadAsync(async connection =>
        {
            if ((bool)(await ScalarAsync(connection, "SELECT pg_is_in_recovery()").ConfigureAwait(false))!)
            {
                return CheckOutcome.Fail($"{Name} is a read-only standby (in recovery); point the store at the primary.");
            }

            var readOnly = (string)(await ScalarAsync(connection, "SHOW default_transaction_read_only").ConfigureAwait(false))!;
            if (string.Equals(readOnly, "on", StringComparison.OrdinalIgnoreCase))
            {
                return CheckOutcome.Fail($"{Name}: default_transaction_read_only is on for this role; the store cannot write.");
            }

            if (!_tablesExist)
            {
                return CheckOutcome.NotRun("the recovery tables are missing, so their privileges cannot be checked.");
            }

            var denied = new List<string>();
            foreach (var table in StoreSchema.RecoveryTables)
            {
                // has_table_privilege with a list is true when ANY is granted: ask for each privilege on its own.
                await using var command = new NpgsqlCommand(
                    "SELECT has_table_privilege(current_user, @name, 'SELECT') AND has_table_privilege(current_user, @name, 'INSERT') AND has_table_privilege(current_user, @name, 'UPDATE') AND has_table_privilege(current_user, @name, 'DELETE')",
                    connection);
                command.Parameters.AddWithValue("name", table);
                if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                {
                    denied.Add(table);
                }
            }

            var user = connection.UserName;
            return denied.Count == 0
                ? CheckOutcome.Pass($"Role '{user}' can read and write every recovery table.")
                : CheckOutcome.Fail($"{Name}: role '{user}' lacks SELECT/INSERT/UPDATE/DELETE on {string.Join(", ", denied)}.");
        });

        // A check that throws becomes a failed check: a health check must never raise.
        public async Task<CheckOutcome> ExecuteAsync(Func<Task<CheckOutcome>> check)
        {
            try
            {
                return await check().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A health check reports every failure as a result.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return CheckOutcome.Fail($"{Name}: the check failed unexpectedly: {ex.GetType().Name}: {ex.Message}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task<CheckOutcome> ReadAsync(Func<NpgsqlConnection, Task<CheckOutcome>> read) =>
            _connection is null
                ? CheckOutcome.NotRun($"cannot connect to {Name} ({_unreachable}).")
                : await read(_connection).ConfigureAwait(false);

        private async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
