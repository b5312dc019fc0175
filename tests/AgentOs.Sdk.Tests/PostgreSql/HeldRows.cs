using Npgsql;

namespace AgentOs.Sdk.Tests.PostgreSql;

/// <summary>
/// Rows locked by another session, as another host's open transaction would hold them: taken with a
/// <c>SELECT ... FOR UPDATE</c> (or <c>FOR SHARE</c>) in a transaction of its own connection. Disposing rolls it back, which
/// lets the rows go; <see cref="CommitAsync"/> lets them go by committing.
/// </summary>
internal sealed class HeldRows : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private HeldRows(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>Runs <paramref name="lockingSelect"/> (which must lock at least one row) in a new transaction and keeps it open.</summary>
    public static async Task<HeldRows> LockAsync(string connectionString, string lockingSelect, params (string Name, object Value)[] parameters)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(lockingSelect, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        if (await command.ExecuteScalarAsync() is null)
        {
            throw new InvalidOperationException($"'{lockingSelect}' locked no row.");
        }

        return new HeldRows(connection, transaction);
    }

    /// <summary>
    /// Waits until a session of the database waits for a lock at the server: a statement is in flight behind held rows.
    /// Fails if none does within 20 s, or if <paramref name="waiter"/> (the call expected to wait) completes first.
    /// </summary>
    public static async Task WaitForLockWaiterAsync(string connectionString, Task? waiter = null)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (await AdminSql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            Assert.False(waiter?.IsCompleted ?? false, "the call finished without waiting for the held rows");
            Assert.True(DateTime.UtcNow < deadline, "no session reached the row lock");
            await Task.Delay(20);
        }
    }

    public Task CommitAsync() => _transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
