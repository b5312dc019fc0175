using System.Globalization;
using AgentOs.Sdk.Storage;
using AgentOs.Sdk.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentOs.Sdk.Health.Internal;

/// <summary>
/// One run of the start-up checks against one database: the state the checks share (what db_exists found, the read-only
/// connection and its read snapshot) and the checks themselves. Never writes: every SQLite connection it opens is read-only,
/// and it never creates a file beside the database (see <see cref="SqliteReadAccess"/>).
/// </summary>
internal sealed class HealthCheckRun : IDisposable
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteInterrupt = 9;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;
    private const int QuickCheckMaxErrors = 10;

    // The library version is a constant of the process: read once, then only read.
    private static readonly Lazy<string> LazyLibraryVersion = new(() =>
    {
        using var memory = new SqliteConnection("Data Source=:memory:");
        memory.Open();
        return memory.ServerVersion;
    });

    private readonly string _path;
    private readonly StartupHealthCheckOptions _options;
    private readonly CancellationToken _cancellationToken;

    private long _length;
    private bool _walExists;
    private bool _shmExists;
    private SqliteFileHeader? _header;
    private SqliteReadAccess _access;
    private SqliteConnection? _connection;
    private SqliteTransaction? _snapshot;
    private CancellationTokenRegistration _interruptOnCancel;

    // Set by the first failure that makes the database unreadable (locked, not a database...): later checks that read it do not run.
    private string? _unreadableReason;
    private string? _unreadableCheck;

    public HealthCheckRun(string fullPath, StartupHealthCheckOptions options, CancellationToken cancellationToken)
    {
        _path = fullPath;
        _options = options;
        _cancellationToken = cancellationToken;
    }

    public SchemaVersion? SchemaVersion { get; private set; }

    /// <summary>
    /// The version of the SQLite library this process runs. Read once, from an in-memory connection that touches no file;
    /// the first read also loads the native library, which then does not count in any check's duration.
    /// </summary>
    public static string LibraryVersion => LazyLibraryVersion.Value;

    public void Dispose()
    {
        _interruptOnCancel.Dispose();
        _snapshot?.Dispose();
        _connection?.Dispose();
    }

    // ---- db_exists -------------------------------------------------------------------------------------------------

    public CheckOutcome DbExists()
    {
        if (Directory.Exists(_path))
        {
            return CheckOutcome.Fail($"'{_path}' is a directory, not a database file.");
        }

        if (!File.Exists(_path))
        {
            var directory = Path.GetDirectoryName(_path);
            return directory is not null && !Directory.Exists(directory)
                ? CheckOutcome.Fail($"'{_path}' does not exist, nor does its directory '{directory}'. The check never creates a database: create the store with AgentOsStore.Open (or 'agentos init').")
                : CheckOutcome.Fail($"'{_path}' does not exist. The check never creates a database: create the store with AgentOsStore.Open (or 'agentos init').");
        }

        _length = new FileInfo(_path).Length;
        _walExists = File.Exists(_path + "-wal");
        _shmExists = File.Exists(_path + "-shm");

        if (_walExists)
        {
            // The database may be open in another connection, even in this process: it must be read through SQLite only.
            _access = SqliteReadAccess.SharedReadOnlyShm;
        }
        else
        {
            var header = ReadHeader(out var failure);
            if (header is null)
            {
                return CheckOutcome.Fail(failure!);
            }

            _header = header;
            _access = header.Value.IsWal ? SqliteReadAccess.Immutable : SqliteReadAccess.Locking;
        }

        try
        {
            _connection = OpenReadOnlyConnection();
        }
        catch (SqliteException ex)
        {
            return CheckOutcome.Fail($"'{_path}' cannot be opened for reading: {ex.Message}");
        }

        return CheckOutcome.Pass(string.Create(
            CultureInfo.InvariantCulture,
            $"A readable SQLite database file, {_length} bytes{(_walExists ? " plus a -wal file (open elsewhere, or not checkpointed)" : string.Empty)}."));
    }

    /// <summary>Reads the 100-byte header, or explains why the file is not a readable SQLite database.</summary>
    /// <remarks>
    /// Only called when no <c>-wal</c> file exists, so no connection in any process has the database open in WAL mode.
    /// That matters because closing any descriptor to a file drops every POSIX lock this process holds on it, including
    /// SQLite's: with a live WAL connection in this process, the header must be read through SQLite instead.
    /// </remarks>
    private SqliteFileHeader? ReadHeader(out string? failure)
    {
        failure = null;
        Span<byte> bytes = stackalloc byte[SqliteFileHeader.Length];
        int read;
        try
        {
            using var handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = RandomAccess.Read(handle, bytes, fileOffset: 0);
        }
        catch (UnauthorizedAccessException)
        {
            failure = $"'{_path}' cannot be read: permission denied for this user.";
            return null;
        }
        catch (IOException ex)
        {
            failure = $"'{_path}' cannot be read: {ex.Message}";
            return null;
        }

        if (read == 0)
        {
            failure = $"'{_path}' is empty (0 bytes): not a SQLite database. A store always has a header; an empty file is what a tool that creates databases on open leaves behind.";
            return null;
        }

        if (!SqliteFileHeader.TryParse(bytes[..read], out var header))
        {
            failure = string.Create(
                CultureInfo.InvariantCulture,
                $"'{_path}' is not a SQLite database: its {read} bytes do not start with the SQLite header ('SQLite format 3').");
            return null;
        }

        return header;
    }

    private SqliteConnection OpenReadOnlyConnection()
    {
        var connection = SqliteReadOnlyConnection.Open(_path, _access, _options.LockTimeout);
        _interruptOnCancel = _cancellationToken.Register(static state => raw.sqlite3_interrupt(((SqliteConnection)state!).Handle), connection);
        return connection;
    }

    /// <summary>A SQLite URI for a path; see <see cref="SqliteReadOnlyConnection.Uri"/>.</summary>
    internal static string SqliteUri(string fullPath, string query) => SqliteReadOnlyConnection.Uri(fullPath, query);

    // ---- wal_mode --------------------------------------------------------------------------------------------------

    public CheckOutcome WalMode()
    {
        if (_connection is null)
        {
            return CheckOutcome.NotRun("db_exists failed.");
        }

        if (_header is { } header)
        {
            // No -wal file: the header is what every connection that opens the file will obey.
            return header.IsWal
                ? CheckOutcome.Pass("journal_mode is wal (persisted in the database header).")
                : CheckOutcome.Fail($"'{_path}' uses a rollback journal, not WAL (header format versions {header.WriteVersion}/{header.ReadVersion}): "
                    + "readers and the writer block each other and busy errors follow. Open it once with AgentOsStore.Open to switch it to WAL.");
        }

        return Read(HealthCheckNames.WalMode, command =>
        {
            command.CommandText = "PRAGMA journal_mode";
            var mode = Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture)?.ToLowerInvariant();
            return mode == "wal"
                ? CheckOutcome.Pass("journal_mode is wal.")
                : CheckOutcome.Fail($"'{_path}' has journal_mode '{mode}', not WAL: readers and the writer block each other and busy errors follow. "
                    + "Open it once with AgentOsStore.Open to switch it to WAL.");
        });
    }

    // ---- busy_timeout ----------------------------------------------------------------------------------------------

    public CheckOutcome BusyTimeout()
    {
        if (_connection is null)
        {
            return CheckOutcome.NotRun("db_exists failed.");
        }

        // The store sets its busy timeout with exactly this statement on every connection it hands out; the driver's own
        // default (which may well be large enough) is overwritten, so it can never be what passes this check.
        new StoreConnectionConfiguration(_options.StoreOptions).ApplyBusyTimeout(_connection);
        long configured;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "PRAGMA busy_timeout";
            configured = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        // Back to the check's own, shorter wait for the reads that follow.
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)_options.LockTimeout.TotalMilliseconds}");
            command.ExecuteNonQuery();
        }

        var minimum = (long)_options.MinimumBusyTimeout.TotalMilliseconds;
        return configured >= minimum
            ? CheckOutcome.Pass(string.Create(CultureInfo.InvariantCulture, $"busy_timeout is {configured} ms on a connection configured as AgentOsStore configures its own (minimum {minimum} ms)."))
            : CheckOutcome.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"'{_path}': busy_timeout is {configured} ms on a connection configured as AgentOsStore configures its own, below the minimum {minimum} ms: under contention, writes fail with 'database is locked' instead of waiting. Raise StoreOptions.BusyTimeout."));
    }

    // ---- schema_version --------------------------------------------------------------------------------------------

    public CheckOutcome SchemaVersionCheck() => Read(HealthCheckNames.SchemaVersion, command =>
    {
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            return CheckOutcome.Fail($"'{_path}' has no schema_version table: it was never migrated by AgentOsStore, or it belongs to another application.");
        }

        SchemaVersion? newest;
        try
        {
            // By version number, never by the time a version was applied.
            newest = SchemaMigrator.NewestApplied(command.Connection!, command.Transaction);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            return CheckOutcome.Fail($"'{_path}' has a schema_version table that AgentOsStore did not write ({ex.Message}).");
        }

        if (newest is not { } version)
        {
            return CheckOutcome.Fail($"'{_path}' has an empty schema_version table: no migration was ever applied.");
        }

        SchemaVersion = version;
        var minimum = _options.MinimumSchemaVersion;
        if (version < minimum)
        {
            return CheckOutcome.Fail($"'{_path}' is at schema {version}, older than the minimum {minimum}: open it with AgentOsStore.Open to migrate it.");
        }

        if (version > StoreSchema.CurrentVersion)
        {
            return CheckOutcome.Fail($"'{_path}' is at schema {version}, newer than {StoreSchema.CurrentVersion}, the newest this build of AgentOs.Sdk knows: use a newer build.");
        }

        return CheckOutcome.Pass($"Schema {version} (minimum {minimum}; the newest applied version, by number).");
    });

    // ---- recovery_tables -------------------------------------------------------------------------------------------

    public CheckOutcome RecoveryTables() => Read(HealthCheckNames.RecoveryTables, command =>
    {
        command.CommandText = "SELECT name FROM sqlite_schema WHERE type = 'table'";
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var required = StoreSchema.RecoveryTables;
        var missing = required.Where(t => !tables.Contains(t)).ToList();
        return missing.Count == 0
            ? CheckOutcome.Pass(string.Create(CultureInfo.InvariantCulture, $"All {required.Count} recovery tables exist ({string.Join(", ", required)})."))
            : CheckOutcome.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"'{_path}' is missing {missing.Count} of {required.Count} recovery tables: {string.Join(", ", missing)}."));
    });

    // ---- application_id --------------------------------------------------------------------------------------------

    public CheckOutcome ApplicationId() => Read(HealthCheckNames.ApplicationId, command =>
    {
        command.CommandText = "PRAGMA application_id";
        var id = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        var culture = CultureInfo.InvariantCulture;
        if (id == StoreSchema.ApplicationId)
        {
            return CheckOutcome.Pass(string.Create(culture, $"application_id is 0x{id:X8} ('AgOS'): an AgentOs store."));
        }

        return id == 0
            ? CheckOutcome.Fail(string.Create(culture, $"'{_path}' has application_id 0, not 0x{StoreSchema.ApplicationId:X8}: AgentOsStore did not create it."))
            : CheckOutcome.Fail(string.Create(culture, $"'{_path}' belongs to another application (application_id 0x{id:X8}, expected 0x{StoreSchema.ApplicationId:X8})."));
    });

    // ---- sqlite_version --------------------------------------------------------------------------------------------

    public static CheckOutcome SqliteVersion()
    {
        var (passed, message) = SqliteVersionPolicy.Evaluate(LibraryVersion);
        return new CheckOutcome(passed, message);
    }

    // ---- quick_check -----------------------------------------------------------------------------------------------

    public CheckOutcome QuickCheck() => Read(HealthCheckNames.QuickCheck, command =>
    {
        var clock = _options.TimeProvider;
        var started = clock.GetTimestamp();
        var timeout = _options.QuickCheckTimeout;
        var timedOut = false;

        // SQLite calls this every 100 steps (quick_check counts the pages and cells it visits); a non-zero answer interrupts it.
        delegate_progress stopAtDeadline = _ =>
        {
            timedOut = clock.GetElapsedTime(started) >= timeout;
            return timedOut ? 1 : 0;
        };
        var handle = command.Connection!.Handle!;
        raw.sqlite3_progress_handler(handle, 100, stopAtDeadline, null);
        try
        {
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA quick_check({QuickCheckMaxErrors})");
            var problems = new List<string>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    problems.Add(reader.GetString(0));
                }
            }

            return problems is ["ok"]
                ? CheckOutcome.Pass("PRAGMA quick_check: ok.")
                : CheckOutcome.Fail(string.Create(
                    CultureInfo.InvariantCulture,
                    $"'{_path}' failed PRAGMA quick_check ({problems.Count} problem{(problems.Count == 1 ? string.Empty : "s")}{(problems.Count >= QuickCheckMaxErrors ? " or more" : string.Empty)}): {string.Join("; ", problems.Take(3))}"));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteInterrupt && timedOut)
        {
            return CheckOutcome.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA quick_check on '{_path}' ({_length} bytes) did not finish within {timeout.TotalMilliseconds:0} ms and was stopped: run it offline, or raise StartupHealthCheckOptions.QuickCheckTimeout."));
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteCorrupt)
        {
            // A page so damaged that quick_check cannot even walk it.
            return CheckOutcome.Fail($"'{_path}' failed PRAGMA quick_check: {ex.Message}");
        }
        finally
        {
            raw.sqlite3_progress_handler(handle, 0, null, null);
            GC.KeepAlive(stopAtDeadline);
        }
    });

    // ---- directory_writable ----------------------------------------------------------------------------------------

    public CheckOutcome DirectoryWritable()
    {
        var directory = Path.GetDirectoryName(_path);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return CheckOutcome.Fail($"The store's directory '{directory}' does not exist.");
        }

        // A file of our own, never the database: SQLite needs to create -wal and -shm files here, so creating one proves it can.
        var probe = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(_path)}.health-{Guid.NewGuid():N}.tmp"));
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
            }

            File.Delete(probe);
            return CheckOutcome.Pass($"'{directory}' accepts new files (SQLite creates the -wal and -shm files there).");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(probe);
            var reason = ex is UnauthorizedAccessException ? "permission denied for this user" : ex.Message;
            return CheckOutcome.Fail($"The store's directory '{directory}' does not accept new files ({reason}): SQLite cannot create the -wal and -shm files it needs there.");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Creating it failed too; nothing of ours is left.
        }
    }

    // ---- shared plumbing for the checks that read the database -----------------------------------------------------

    /// <summary>
    /// Runs a check that reads the database inside one read transaction, so that every check sees the same snapshot.
    /// A failure that makes the database unreadable (locked, not a database, corrupt) fails this check and stops the
    /// later ones that read it, so a locked database costs one lock timeout, not one per check.
    /// </summary>
    private CheckOutcome Read(string checkName, Func<SqliteCommand, CheckOutcome> check)
    {
        if (_connection is null)
        {
            return CheckOutcome.NotRun("db_exists failed.");
        }

        if (_unreadableReason is not null)
        {
            return CheckOutcome.NotRun($"{_unreadableReason} (see {_unreadableCheck}).");
        }

        try
        {
            _snapshot ??= _connection.BeginTransaction(deferred: true);
            using var command = _connection.CreateCommand();
            command.Transaction = _snapshot;
            return check(command);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteInterrupt && _cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The start-up health check was cancelled.", ex, _cancellationToken);
        }
        catch (SqliteException ex) when (IsUnreadable(ex))
        {
            _unreadableReason = DescribeUnreadable(ex);
            _unreadableCheck = checkName;
            return CheckOutcome.Fail(_unreadableReason + ".");
        }
        catch (SqliteException ex)
        {
            return CheckOutcome.Fail($"'{_path}' could not be read: {ex.Message}");
        }
    }

    private static bool IsUnreadable(SqliteException ex) => ex.SqliteErrorCode is
        SqliteBusy or SqliteLocked or SqliteIoError or SqliteCorrupt or SqliteCantOpen or SqliteNotADatabase;

    private string DescribeUnreadable(SqliteException ex)
    {
        var message = ex.Message.TrimEnd('.');
        return ex.SqliteErrorCode switch
        {
            SqliteBusy or SqliteLocked => string.Create(
                CultureInfo.InvariantCulture,
                $"'{_path}' is locked by another connection: no read lock within the {_options.LockTimeout.TotalMilliseconds:0} ms lock timeout ({message})"),
            SqliteNotADatabase => $"'{_path}' is not a SQLite database ({message})",
            SqliteCorrupt => $"'{_path}' is corrupt ({message})",
            SqliteCantOpen when _walExists && !_shmExists =>
                $"'{_path}' cannot be read without creating its -shm file: the -wal file exists without one (left by a crash, or by a process "
                + "in exclusive locking mode). The check never creates files; AgentOsStore.Open recovers the database",
            _ => $"'{_path}' cannot be read ({message})",
        };
    }
}
