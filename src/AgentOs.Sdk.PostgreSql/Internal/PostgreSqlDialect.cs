using AgentOs.Sdk.Storage.Providers;

namespace AgentOs.Sdk.PostgreSql.Internal;

/// <summary>PostgreSQL's few differences from the portable SQL the modules write.</summary>
internal sealed class PostgreSqlDialect : StoreDialect
{
    public static PostgreSqlDialect Instance { get; } = new();

    /// <summary>N hosts claiming at once each lock a different candidate row instead of queueing on one.</summary>
    public override string ClaimRowsSuffix => " FOR UPDATE SKIP LOCKED";

    public override string LockRowsSuffix => " FOR UPDATE";

    public override string ShareRowsSuffix => " FOR SHARE";

    public override string Greatest(string left, string right) => $"GREATEST({left}, {right})";

    public override string Least(string left, string right) => $"LEAST({left}, {right})";

    public override string JsonPairs(string parameter) =>
        $"SELECT e ->> 0 AS id, (e ->> 1)::bigint AS n FROM jsonb_array_elements(({parameter})::jsonb) AS e";

    public override string Translate(string portableSql) =>
        portableSql
            .Replace(ClaimRows, ClaimRowsSuffix.TrimStart(), StringComparison.Ordinal)
            .Replace(LockRows, LockRowsSuffix.TrimStart(), StringComparison.Ordinal)
            .Replace(ShareRows, ShareRowsSuffix.TrimStart(), StringComparison.Ordinal);
}
