using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentOs.Sdk.Checkpoints;

/// <summary>
/// Evidence that the store's database holds at least one row in <see cref="Table"/> whose columns equal the values in
/// <see cref="Match"/> (compared with SQLite's null-safe <c>IS</c>).
/// </summary>
/// <remarks>
/// The table and column names are checked against the live schema before any query runs and are then quoted; the values
/// are always bound as parameters. A name that is not a table or column of the database (such as <c>x; DROP TABLE tasks</c>)
/// makes verification fail with a message naming it; nothing is ever interpolated into SQL.
/// Values are JSON scalars: strings, numbers, <c>true</c>/<c>false</c> (stored by SQLite as 1/0) and <c>null</c>.
/// </remarks>
public sealed record DbRowEvidence : Evidence
{
    /// <summary>Creates the evidence.</summary>
    /// <param name="table">The table (or view) to look in.</param>
    /// <param name="match">Column names and the values they must have; at least one.</param>
    /// <exception cref="ArgumentException">The table is empty, <paramref name="match"/> is empty, or a value is an array or object.</exception>
    [JsonConstructor]
    public DbRowEvidence(string table, IReadOnlyDictionary<string, JsonElement> match)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        ArgumentNullException.ThrowIfNull(match);
        if (match.Count == 0)
        {
            throw new ArgumentException($"Row evidence for table '{table}' needs at least one column to match.", nameof(match));
        }

        var copy = new Dictionary<string, JsonElement>(match.Count, StringComparer.Ordinal);
        foreach (var (column, value) in match)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(column, nameof(match));
            if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined)
            {
                throw new ArgumentException(
                    $"Row evidence for '{table}.{column}' must match a JSON scalar (string, number, true, false or null), not {value.ValueKind}.",
                    nameof(match));
            }

            // Clone: the evidence must not depend on a JsonDocument the caller may dispose.
            copy.Add(column, value.Clone());
        }

        Table = table;
        Match = copy.AsReadOnly();
    }

    /// <summary>Creates evidence that <paramref name="table"/> has a row whose <paramref name="column"/> is the text <paramref name="value"/>.</summary>
    public DbRowEvidence(string table, string column, string? value)
        : this(table, new Dictionary<string, JsonElement> { [column] = ToElement(value) })
    {
    }

    /// <summary>Creates evidence that <paramref name="table"/> has a row whose <paramref name="column"/> is the integer <paramref name="value"/>.</summary>
    public DbRowEvidence(string table, string column, long value)
        : this(table, new Dictionary<string, JsonElement> { [column] = JsonSerializer.SerializeToElement(value, CheckpointJsonContext.Default.Int64) })
    {
    }

    /// <summary>The table or view to look in, as given.</summary>
    public string Table { get; }

    /// <summary>The columns and the values they must have.</summary>
    public IReadOnlyDictionary<string, JsonElement> Match { get; }

    /// <inheritdoc />
    [JsonIgnore]
    public override EvidenceType Type => EvidenceType.DbRow;

    /// <inheritdoc />
    public override string Describe() => $"db_row '{Table}'";

    /// <summary>Whether both name the same table and match the same columns with equal JSON values.</summary>
    public bool Equals(DbRowEvidence? other) =>
        other is not null
        && string.Equals(Table, other.Table, StringComparison.Ordinal)
        && Match.Count == other.Match.Count
        && Match.All(pair => other.Match.TryGetValue(pair.Key, out var value) && JsonElement.DeepEquals(pair.Value, value));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Table, Match.Count);

    private static JsonElement ToElement(string? value) =>
        value is null
            ? JsonSerializer.SerializeToElement<string?>(null, CheckpointJsonContext.Default.String)
            : JsonSerializer.SerializeToElement(value, CheckpointJsonContext.Default.String);
}
