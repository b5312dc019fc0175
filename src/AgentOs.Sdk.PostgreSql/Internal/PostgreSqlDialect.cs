using System.Text.RegularExpressions;
using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>PostgreSQL's few differences from the portable SQL the modules write.</summary>
internal sealed partial class PostgreSqlDialect : StoreDialect
{
    private const string StatementNow = "(extract(epoch FROM statement_timestamp()) * 1000)::bigint";

    public static PostgreSqlDialect Instance { get; } = new();

    /// <summary>N hosts claiming at once each lock a different candidate row instead of queueing on one.</summary>
    public override string ClaimRowsSuffix => " FOR UPDATE SKIP LOCKED";

    public override string LockRowsSuffix => " FOR UPDATE";

    public override string ShareRowsSuffix => " FOR SHARE";

    public override string Int64Type => "BIGINT";

    public override string TableOptions => string.Empty;

    public override string Greatest(string left, string right) => $"GREATEST({left}, {right})";

    public override string Least(string left, string right) => $"LEAST({left}, {right})";

    public override string JsonPairs(string parameter) =>
        $"SELECT e ->> 0 AS id, (e ->> 1)::bigint AS n FROM jsonb_array_elements(({parameter})::jsonb) AS e";

    // Tables and views visible on the search path, outside the system schemas; the exact spelling wins over another case.
    public override string FindTableSql => """
        SELECT c.relname FROM pg_catalog.pg_class c
        WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND pg_catalog.pg_table_is_visible(c.oid)
          AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
          AND lower(c.relname) = lower(@name)
        ORDER BY c.relname = @name DESC LIMIT 1
        """;

    // PostgreSQL compares by type, not affinity: the evidence value is bound as text and cast to the column's own type.
    public override string TableColumnsSql => """
        SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = to_regclass(quote_ident(@name)) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """;

    /// <summary>
    /// <c>@now</c> becomes the statement's start on the server's clock, in Unix milliseconds. It is one value however often
    /// the statement uses it, and it is taken when the server begins that statement: after every earlier statement sent in
    /// the same round trip has run, so after any row lock one of them waited for (a lease write that locks its row first
    /// and waited past the expiry sees the lease expired).
    /// </summary>
    public override string TranslateWithStatementClock(string portableSql) =>
        NowParameter().Replace(Translate(portableSql), StatementNow);

    public override string Translate(string portableSql) =>
        portableSql
            .Replace(ClaimRows, ClaimRowsSuffix.TrimStart(), StringComparison.Ordinal)
            .Replace(LockRows, LockRowsSuffix.TrimStart(), StringComparison.Ordinal)
            .Replace(ShareRows, ShareRowsSuffix.TrimStart(), StringComparison.Ordinal);

    [GeneratedRegex(@"@now\b", RegexOptions.CultureInvariant)]
    private static partial Regex NowParameter();
}
