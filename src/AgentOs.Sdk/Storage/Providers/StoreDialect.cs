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

    /// <summary>
    /// A marker the portable SQL puts at the end of a <c>SELECT</c> inside a write transaction whose rows must stay as read
    /// until it commits: an SQL comment, so SQLite ignores it (its write transaction holds the whole database); a server
    /// dialect's <see cref="Translate"/> replaces it with <see cref="LockRowsSuffix"/>.
    /// </summary>
    public const string LockRows = "/*lock-rows*/";

    /// <summary>Appended to a <c>SELECT</c> inside a write transaction whose rows are about to be updated (<c>FOR UPDATE</c> on PostgreSQL).</summary>
    public virtual string LockRowsSuffix => string.Empty;

    /// <summary>
    /// Finds a table or view of the application's schema by name, ignoring case (parameter <c>@name</c>); one row with its
    /// exact name, none when there is no such table. System tables are never found.
    /// </summary>
    public virtual string FindTableSql => """
        SELECT name FROM sqlite_schema
        WHERE type IN ('table', 'view') AND name = @name COLLATE NOCASE AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
        """;

    /// <summary>
    /// Lists the columns of the table named exactly <c>@name</c>: one row per column with its name and the SQL type a text
    /// value must be cast to for comparing with it, or NULL where the database compares by affinity (SQLite).
    /// </summary>
    public virtual string TableColumnsSql => "SELECT name, NULL FROM pragma_table_info(@name)";

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
