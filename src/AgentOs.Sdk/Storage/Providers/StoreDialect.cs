namespace AgentOs.Sdk.Storage.Providers;

/// <summary>
/// The few pieces of SQL that differ between providers. Everything else the modules write is portable: named parameters
/// as <c>@name</c>, <c>INSERT ... ON CONFLICT</c>, <c>RETURNING</c>, <c>LIMIT</c>, <c>format('%s', ...)</c>, row-value
/// comparisons, integer milliseconds for times.
/// </summary>
/// <remarks>
/// Modelled on Quartz.NET's driver delegates: the default is what SQLite accepts; a provider overrides only what differs.
/// Row locks are written as markers (SQL comments, so SQLite, whose write transaction holds the whole database, ignores
/// them) that a server dialect's <see cref="Translate"/> replaces.
/// </remarks>
internal class StoreDialect
{
    /// <summary>
    /// A marker the portable SQL puts where a <c>SELECT</c> that picks rows to claim ends (before its closing parenthesis):
    /// a server dialect replaces it with <see cref="ClaimRowsSuffix"/>.
    /// </summary>
    public const string ClaimRows = "/*claim-rows*/";

    /// <summary>A marker where a <c>SELECT</c> inside a write transaction reads rows it is about to update: <see cref="LockRowsSuffix"/>.</summary>
    public const string LockRows = "/*lock-rows*/";

    /// <summary>
    /// A marker where a <c>SELECT</c> checks rows that must not change until the transaction commits, without changing them
    /// itself (a lease's fence): <see cref="ShareRowsSuffix"/>.
    /// </summary>
    public const string ShareRows = "/*share-rows*/";

    /// <summary>
    /// What replaces <see cref="ClaimRows"/>: PostgreSQL locks the rows and skips rows other transactions hold
    /// (<c>FOR UPDATE SKIP LOCKED</c>); SQLite needs nothing.
    /// </summary>
    public virtual string ClaimRowsSuffix => string.Empty;

    /// <summary>What replaces <see cref="LockRows"/> (<c>FOR UPDATE</c> on PostgreSQL).</summary>
    public virtual string LockRowsSuffix => string.Empty;

    /// <summary>What replaces <see cref="ShareRows"/> (<c>FOR SHARE</c> on PostgreSQL: an update by another transaction waits for the commit).</summary>
    public virtual string ShareRowsSuffix => string.Empty;

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

    /// <summary>Creates the <c>schema_version</c> table every provider records its migrations in, when it is missing.</summary>
    public string SchemaVersionTableSql => $"""
        CREATE TABLE IF NOT EXISTS schema_version (
            version       TEXT    NOT NULL PRIMARY KEY,
            major         INTEGER NOT NULL,
            minor         INTEGER NOT NULL,
            description   TEXT    NOT NULL,
            checksum      TEXT    NOT NULL,
            applied_at_ms {Int64Type} NOT NULL,
            UNIQUE (major, minor)
        ){TableOptions}
        """;

    /// <summary>The column type of a 64-bit integer such as a time in milliseconds: SQLite's <c>INTEGER</c>, PostgreSQL's <c>BIGINT</c>.</summary>
    public virtual string Int64Type => "INTEGER";

    /// <summary>What follows a <c>CREATE TABLE</c>'s closing parenthesis: SQLite's <c>STRICT</c> (types are enforced), nothing elsewhere.</summary>
    public virtual string TableOptions => " STRICT";

    /// <summary>The larger of two expressions: SQLite's scalar <c>max(a, b)</c>, PostgreSQL's <c>GREATEST(a, b)</c>.</summary>
    public virtual string Greatest(string left, string right) => $"max({left}, {right})";

    /// <summary>The smaller of two expressions: SQLite's scalar <c>min(a, b)</c>, PostgreSQL's <c>LEAST(a, b)</c>.</summary>
    public virtual string Least(string left, string right) => $"min({left}, {right})";

    /// <summary>
    /// A <c>SELECT</c> of the pairs in a JSON array parameter <c>[["id", 1], ...]</c> as rows <c>(id, n)</c> (text, integer):
    /// one statement handles a whole batch without SQL built from values.
    /// </summary>
    public virtual string JsonPairs(string parameter) =>
        $"SELECT value ->> 0 AS id, value ->> 1 AS n FROM json_each({parameter})";

    /// <summary>
    /// Turns portable SQL into this provider's SQL for a unit of work whose statements read "now" themselves
    /// (<see cref="StoreProvider.ClockInStatements"/>): every <c>@now</c> becomes the database's own clock. The default (a
    /// provider whose "now" is always the bound parameter) is <see cref="Translate"/>.
    /// </summary>
    public virtual string TranslateWithStatementClock(string portableSql) => Translate(portableSql);

    /// <summary>
    /// Turns portable SQL into this provider's SQL, once per statement text (the result is cached with the prepared
    /// command). The default returns it unchanged: the markers are comments.
    /// </summary>
    public virtual string Translate(string portableSql) => portableSql;
}
