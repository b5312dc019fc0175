namespace AgentOs.Sdk.PostgreSql;

/// <summary>The server settings a PostgreSQL store's durability rests on, as its connections see them.</summary>
/// <param name="ServerVersion">The server's version, such as <c>15.18</c>.</param>
/// <param name="SynchronousCommit">The <c>synchronous_commit</c> level (<c>on</c> for a durable store; never <c>off</c>).</param>
/// <param name="Fsync">The <c>fsync</c> setting (<c>on</c>).</param>
/// <param name="DefaultIsolation">The default transaction isolation level.</param>
/// <param name="MaxConnections">The server's <c>max_connections</c>.</param>
/// <param name="Schema">The schema the store's tables live in (the first on the search path).</param>
public sealed record PostgreSqlServerSettings(
    string ServerVersion,
    string SynchronousCommit,
    string Fsync,
    string DefaultIsolation,
    int MaxConnections,
    string Schema);
