using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentOs.Sdk.Storage;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>Checks an <see cref="EvidencePack"/> item by item. Runs outside any write transaction: it may hash files.</summary>
internal sealed class EvidenceChecker
{
    private readonly AgentOsStore _store;
    private readonly string _baseDirectory;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, IEvidenceVerifier> _verifiers;

    public EvidenceChecker(
        AgentOsStore store,
        string baseDirectory,
        TimeProvider timeProvider,
        Dictionary<string, IEvidenceVerifier> verifiers)
    {
        _store = store;
        _baseDirectory = baseDirectory;
        _timeProvider = timeProvider;
        _verifiers = verifiers;
    }

    /// <summary>Checks every item of <paramref name="pack"/>; row evidence queries the store (asynchronously when <paramref name="async"/>).</summary>
    public async ValueTask<EvidenceVerificationResult> VerifyAsync(EvidencePack pack, bool async, CancellationToken cancellationToken)
    {
        var context = new EvidenceVerificationContext(_store, _baseDirectory, _timeProvider, cancellationToken);
        var items = new EvidenceItemResult[pack.Count];
        for (var i = 0; i < items.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            items[i] = pack[i] is DbRowEvidence row
                ? await CheckRowAsync(row, async, cancellationToken).ConfigureAwait(false)
                : Check(pack[i], context);
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

    private async ValueTask<EvidenceItemResult> CheckRowAsync(DbRowEvidence evidence, bool async, CancellationToken cancellationToken)
    {
        try
        {
            // A plain read on a pooled connection of the store, outside any transaction: evidence never holds a write lock.
            return async
                ? await _store.ReadAsync("check row evidence", _timeProvider, tx => CheckRowAsync(evidence, tx), cancellationToken: cancellationToken).ConfigureAwait(false)
                : _store.Read("check row evidence", _timeProvider, tx => CheckRowAsync(evidence, tx), cancellationToken: cancellationToken);
        }
        catch (StoreException ex)
        {
            return EvidenceItemResult.Fail(evidence, $"the query failed: {ex.InnerException?.Message ?? ex.Message}");
        }
    }

    private static async ValueTask<EvidenceItemResult> CheckRowAsync(DbRowEvidence evidence, StoreTransaction tx)
    {
        var dialect = tx.Store.Provider.Dialect;

        // The table name must be one the database really has; from here on only the schema's own spelling is used.
        var lookup = tx.Command(dialect.FindTableSql);
        lookup.SetParameter("@name", evidence.Table);
        if (await tx.ScalarAsync(lookup).ConfigureAwait(false) is not string table)
        {
            return EvidenceItemResult.Fail(evidence, $"the table '{evidence.Table}' does not exist in the database");
        }

        // Each column's exact name, and the type a text value is cast to where the database compares by type (PostgreSQL).
        var columns = new Dictionary<string, (string Name, string? Type)>(StringComparer.OrdinalIgnoreCase);
        var describe = tx.Command(dialect.TableColumnsSql);
        describe.SetParameter("@name", table);
        var reader = await tx.ReaderAsync(describe).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await tx.ReadAsync(reader).ConfigureAwait(false))
            {
                var name = reader.GetString(0);
                columns[name] = (name, reader.IsDBNull(1) ? null : reader.GetString(1));
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

            // IS NOT DISTINCT FROM, not =: a JSON null matches a NULL column (SQLite's IS, in the standard's spelling).
            var parameter = "@p" + values.Count.ToString(CultureInfo.InvariantCulture);
            sql.Append(Quote(column.Name)).Append(" IS NOT DISTINCT FROM ");
            if (column.Type is { } type)
            {
                // The type comes from the catalog, never from the evidence; the value stays a bound parameter.
                sql.Append("CAST(").Append(parameter).Append(" AS ").Append(type).Append(')');
                values.Add(AsText(value));
            }
            else
            {
                sql.Append(parameter);
                values.Add(ToSqlite(value));
            }
        }

        sql.Append(')');
        var query = tx.CreateCommand(sql.ToString());
        await using (query.ConfigureAwait(false))
        {
            for (var i = 0; i < values.Count; i++)
            {
                query.SetParameter("@p" + i.ToString(CultureInfo.InvariantCulture), values[i]);
            }

            // SQLite answers 1 or 0, PostgreSQL a boolean.
            return Convert.ToInt64(await tx.ScalarAsync(query).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1
                ? EvidenceItemResult.Pass(evidence)
                : EvidenceItemResult.Fail(evidence, $"no row of '{table}' matches {Describe(evidence.Match)}");
        }
    }

    // Only names read back from the schema reach here; quoting still doubles any quote so that odd names stay one identifier.
    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // A JSON scalar as the text a typed column parses: true/false as 1/0, which both integer and boolean columns accept.
    private static object AsText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => DBNull.Value,
    };

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
