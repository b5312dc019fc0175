namespace AgentOs.Sdk.PostgreSql;

/// <summary>Options for a PostgreSQL store.</summary>
public sealed class PostgreSqlStoreOptions
{
    /// <summary>
    /// Whether the database server's clock judges lease and claim expiry (read once per transaction). Default true, so
    /// hosts whose clocks disagree still agree on when a lease expired. False uses the caller's <see cref="TimeProvider"/>
    /// (the one given to <c>LeaseManager</c>, <c>RecoverySweep</c>... or <c>StoreOptions.TimeProvider</c>): for tests with a
    /// <c>FakeTimeProvider</c>, or a single host that must follow its own clock. See docs/postgres.md, "The clock rule".
    /// </summary>
    public bool UseServerClock { get; set; } = true;

    /// <summary>How long opening a connection may take before the server is reported unreachable. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one statement may run. Default 30 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times a transaction that lost a race (serialization failure, deadlock) or lost its connection before COMMIT
    /// was sent (a server restart: the server rolled it back) is run again, on a fresh connection, before the error reaches
    /// the caller. A connection lost during COMMIT is never retried: whether it committed is unknown. Default 5.
    /// </summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>
    /// Whether opening an empty database creates the store's tables. Default true. Through <c>AgentOsStore.Open</c>, a false
    /// <c>StoreOptions.CreateIfMissing</c> refuses as well.
    /// </summary>
    public bool CreateIfMissing { get; set; } = true;

    internal void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout.TotalSeconds > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "The connect timeout must be between 1 and 1024 seconds.");
        }

        if (CommandTimeout < TimeSpan.Zero || CommandTimeout.TotalSeconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(CommandTimeout), CommandTimeout, "The command timeout must be 0 (none) or a positive number of seconds.");
        }

        if (MaxRetries is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "The retry count must be between 0 and 100.");
        }
    }

    internal PostgreSqlStoreOptions Clone() => (PostgreSqlStoreOptions)MemberwiseClone();
}
