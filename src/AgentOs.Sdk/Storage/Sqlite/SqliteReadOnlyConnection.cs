using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Storage.Sqlite;

/// <summary>
/// The one careful read-only open of a SQLite store, for readers that must never create or change a file beside it:
/// the start-up health check and the failure-evidence dump. A plain read-only connection to a WAL database creates
/// <c>-wal</c> and <c>-shm</c> files it cannot delete again; this one picks <see cref="SqliteReadAccess"/> so that it does not.
/// </summary>
internal static class SqliteReadOnlyConnection
{
    private const int HeaderLength = 20;
    private const int WalFormatVersion = 2;

    /// <summary>
    /// How to open <paramref name="fullPath"/> without writing beside it. A <c>-wal</c> file means it may be open
    /// elsewhere: read it live with <c>readonly_shm</c>. Otherwise the header says whether it is in WAL mode.
    /// </summary>
    /// <remarks>
    /// The header is read only when no <c>-wal</c> file exists, so no connection in this process has the database open in
    /// WAL mode (closing any descriptor to a file drops every POSIX lock the process holds on it, SQLite's included).
    /// </remarks>
    public static SqliteReadAccess ChooseAccess(string fullPath)
    {
        if (File.Exists(fullPath + "-wal"))
        {
            return SqliteReadAccess.SharedReadOnlyShm;
        }

        Span<byte> header = stackalloc byte[HeaderLength];
        try
        {
            using var file = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            var read = file.ReadAtLeast(header, HeaderLength, throwOnEndOfStream: false);
            // Bytes 18 and 19: the file format write and read versions, 2 for WAL.
            return read == HeaderLength && header[18] == WalFormatVersion && header[19] == WalFormatVersion
                ? SqliteReadAccess.Immutable
                : SqliteReadAccess.Locking;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Let SQLite's own open report the problem, in its words.
            return SqliteReadAccess.Locking;
        }
    }

    /// <summary>Opens <paramref name="fullPath"/> read-only with <paramref name="access"/>, waiting at most <paramref name="lockTimeout"/> for locks.</summary>
    /// <exception cref="SqliteException">The file cannot be opened.</exception>
    public static SqliteConnection Open(string fullPath, SqliteReadAccess access, TimeSpan lockTimeout)
    {
        var dataSource = access switch
        {
            SqliteReadAccess.Immutable => Uri(fullPath, "immutable=1"),
            SqliteReadAccess.SharedReadOnlyShm => Uri(fullPath, "readonly_shm=1"),
            _ => fullPath,
        };
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = dataSource,
            // Read-only: SQLite refuses every write, and a missing file is an error instead of a new empty database.
            Mode = SqliteOpenMode.ReadOnly,
            // A pooled connection would keep the file open after the reader is done.
            Pooling = false,
            // The driver retries a busy statement until this many seconds have passed; it cannot count in smaller steps.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(lockTimeout.TotalSeconds)),
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)lockTimeout.TotalMilliseconds}");
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A SQLite URI for a path: the characters that URIs reserve are escaped; Windows drive paths get a leading slash.</summary>
    internal static string Uri(string fullPath, string query)
    {
        var path = fullPath.Replace('\\', '/');
        var builder = new StringBuilder("file:", path.Length + query.Length + 8);
        if (!path.StartsWith('/'))
        {
            builder.Append('/');
        }

        foreach (var c in path)
        {
            if (c is '%' or '?' or '#')
            {
                builder.Append(CultureInfo.InvariantCulture, $"%{(int)c:X2}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append('?').Append(query).ToString();
    }
}
