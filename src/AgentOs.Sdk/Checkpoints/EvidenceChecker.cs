using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentOs.Sdk.Storage;
using Microsoft.Data.Sqlite;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Checks an <see cref="EvidencePack"/> item by item. Runs outside any write transaction: it may hash files.</summary>
internal sealed class EvidenceChecker
{
    private readonly AgentOsStore _store;
    private readonly CheckpointConnectionPool _pool;
    private readonly string _baseDirectory;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, IEvidenceVerifier> _verifiers;

    public EvidenceChecker(
        AgentOsStore store,
        CheckpointConnectionPool pool,
        string baseDirectory,
        TimeProvider timeProvider,
        Dictionary<string, IEvidenceVerifier> verifiers)
    {
        _store = store;
        _pool = pool;
        _baseDirectory = baseDirectory;
        _timeProvider = timeProvider;
        _verifiers = verifiers;
    }

    public EvidenceVerificationResult Verify(EvidencePack pack, CancellationToken cancellationToken)
    {
        var context = new EvidenceVerificationContext(_store, _baseDirectory, _timeProvider, cancellationToken);
        var items = new EvidenceItemResult[pack.Count];
        for (var i = 0; i < items.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            items[i] = Check(pack[i], context);
        }

        return new EvidenceVerificationResult(items, _timeProvider.GetUtcNow());
    }

    private EvidenceItemResult Check(Evidence evidence, EvidenceVerificationContext context) => evidence switch
    {
        ArtifactExistsEvidence artifact => CheckArtifact(artifact, context),
        FileSha256Evidence file => FileSha256Check.Check(file, context.ResolvePath(file.Path)),
        CommandExitEvidence command => command.ExitCode == command.ExpectedExitCode
            ? EvidenceItemResult.Pass(command)
            : EvidenceItemResult.Fail(
                command,
                string.Create(CultureInfo.InvariantCulture, $"the command exited with {command.ExitCode}, expected {command.ExpectedExitCode}")),
        DbRowEvidence row => CheckRow(row),
        CustomEvidence custom => CheckCustom(custom, context),
        _ => EvidenceItemResult.Fail(evidence, $"unknown evidence type {evidence.GetType().Name}"),
    };

    private static EvidenceItemResult CheckArtifact(ArtifactExistsEvidence evidence, EvidenceVerificationContext context)
    {
        var path = context.ResolvePath(evidence.Path);
        return File.Exists(path) || Directory.Exists(path)
            ? EvidenceItemResult.Pass(evidence)
            : EvidenceItemResult.Fail(evidence, $"'{path}' does not exist");
    }

    private EvidenceItemResult CheckCustom(CustomEvidence evidence, EvidenceVerificationContext context)
    {
        if (!_verifiers.TryGetValue(evidence.Kind, out var verifier))
        {
            return EvidenceItemResult.Fail(
                evidence,
                $"no verifier is registered for custom evidence kind '{evidence.Kind}' (add an {nameof(IEvidenceVerifier)} to {nameof(CheckpointManagerOptions)}.{nameof(CheckpointManagerOptions.EvidenceVerifiers)})");
        }

        try
        {
            return verifier.Verify(evidence, context)
                ?? EvidenceItemResult.Fail(evidence, $"the verifier for '{evidence.Kind}' returned no result");
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A verifier is application code: whatever it throws must fail the item, never pass it or abort the others.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return EvidenceItemResult.Fail(evidence, $"the verifier for '{evidence.Kind}' threw {ex.GetType().Name}: {ex.Message}");
        }
    }

    private EvidenceItemResult CheckRow(DbRowEvidence evidence)
    {
        var connection = _pool.Rent();
        var reusable = false;
        try
        {
            var result = CheckRow(evidence, connection);
            reusable = true;
            return result;
        }
        catch (SqliteException ex)
        {
            reusable = true;
            return EvidenceItemResult.Fail(evidence, $"the query failed: {ex.Message}");
        }
        finally
        {
            _pool.Return(connection, reusable);
        }
    }

    private static EvidenceItemResult CheckRow(DbRowEvidence evidence, CheckpointConnection connection)
    {
        // The table name must be one the database really has; from here on only the schema's own spelling is used.
        var lookup = connection.Command(CheckpointSql.FindTable);
        lookup.Set("$name", evidence.Table);
        if (lookup.ExecuteScalar() is not string table)
        {
            return EvidenceItemResult.Fail(evidence, $"the table '{evidence.Table}' does not exist in the database");
        }

        var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var describe = connection.Command(CheckpointSql.TableColumns);
        describe.Set("$name", table);
        using (var reader = describe.ExecuteReader())
        {
            while (reader.Read())
            {
                var name = reader.GetString(0);
                columns[name] = name;
            }
        }

        var sql = new StringBuilder("SELECT EXISTS (SELECT 1 FROM ").Append(Quote(table)).Append(" WHERE ");
        var values = new List<object>(evidence.Match.Count);
        foreach (var (given, value) in evidence.Match)
        {
            if (!columns.TryGetValue(given, out var column))
            {
                return EvidenceItemResult.Fail(
                    evidence,
                    $"the column '{given}' does not exist in table '{table}' (its columns: {string.Join(", ", columns.Keys.Order(StringComparer.Ordinal))})");
            }

            if (values.Count > 0)
            {
                sql.Append(" AND ");
            }

            // IS, not =: a JSON null matches a NULL column.
            sql.Append(Quote(column)).Append(" IS $p").Append(values.Count.ToString(CultureInfo.InvariantCulture));
            values.Add(ToSqlite(value));
        }

        sql.Append(')');
        using var query = connection.Connection.CreateCommand();
        query.CommandText = sql.ToString();
        for (var i = 0; i < values.Count; i++)
        {
            query.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), values[i]);
        }

        return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture) == 1
            ? EvidenceItemResult.Pass(evidence)
            : EvidenceItemResult.Fail(evidence, $"no row of '{table}' matches {Describe(evidence.Match)}");
    }

    // Only names read back from the schema reach here; quoting still doubles any quote so that odd names stay one identifier.
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static object ToSqlite(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.TryGetInt64(out var integer) ? integer : value.GetDouble(),
        JsonValueKind.True => 1L,
        JsonValueKind.False => 0L,
        _ => DBNull.Value,
    };

    private static string Describe(IReadOnlyDictionary<string, JsonElement> match) =>
        string.Join(", ", match.Select(pair => $"{pair.Key} = {pair.Value.GetRawText()}"));
}
