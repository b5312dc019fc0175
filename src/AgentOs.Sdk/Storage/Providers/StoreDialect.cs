namespace AgentOs.Sdk.Storage.Providers;

/// <summary>
/// The few pieces of SQL that differ between providers. Everything else the modules write is portable: named parameters
/// as <c>@name</c>, <c>INSERT ... ON CONFLICT</c>, <c>RETURNING</c>, <c>LIMIT</c>, integer milliseconds for times.
/// </summary>
/// <remarks>Modelled on Quartz.NET's driver delegates: the default is what SQLite accepts; a provider overrides only what differs.</remarks>
internal class StoreDialect
{
    /// <summary>
    /// A marker the portable SQL puts where a <c>SELECT</c> that picks rows to claim ends (before its closing parenthesis):
    /// an SQL comment, so SQLite ignores it; a server dialect's <see cref="Translate"/> replaces it with
    /// <see cref="ClaimRowsSuffix"/>.
    /// </summary>
    public const string ClaimRows = "/*claim-rows*/";

    /// <summary>
    /// Appended to a <c>SELECT</c> that picks rows to claim: PostgreSQL locks them and skips rows other transactions hold
    /// (<c>FOR UPDATE SKIP LOCKED</c>); SQLite needs nothing, because a write transaction holds the whole database.
    /// </summary>
    public virtual string ClaimRowsSuffix => string.Empty;

    /// <summary>Appended to a <c>SELECT</c> inside a write transaction whose rows are about to be updated (<c>FOR UPDATE</c> on PostgreSQL).</summary>
    public virtual string LockRowsSuffix => string.Empty;

    /// <summary>The larger of two expressions: SQLite's scalar <c>max(a, b)</c>, PostgreSQL's <c>GREATEST(a, b)</c>.</summary>
    public virtual string Greatest(string left, string right) => $"max({left}, {right})";

    /// <summary>The smaller of two expressions: SQLite's scalar <c>min(a, b)</c>, PostgreSQL's <c>LEAST(a, b)</c>.</summary>
    public virtual string Least(string left, string right) => $"min({left}, {right})";

    /// <summary>
    /// Turns portable SQL into this provider's SQL, once per statement text (the result is cached with the prepared
    /// command). The default returns it unchanged.
    /// </summary>
    public virtual string Translate(string portableSql) => portableSql;
}
