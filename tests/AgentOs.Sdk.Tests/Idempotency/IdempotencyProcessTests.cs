using AgentOs.Sdk.Tests.Conformance;
using AgentOs.Sdk.Tests.TestSupport;

namespace AgentOs.Sdk.Tests.Idempotency;

/// <summary>Real processes, each with its own store on the shared database, running one tool command through the ledger.</summary>
public abstract class IdempotencyProcessTests<TProvider>(TProvider provider) : StoreConformanceTests<TProvider>(provider)
    where TProvider : class, IStoreProviderFixture
{
    private const int Processes = 4;

    [ConformanceFact]
    public async Task Four_processes_running_one_command_execute_it_once_and_all_get_its_result()
    {
        using var temp = new TempDirectory("agentos-idempotent-callers-");
        var marker = temp.Combine("executions.txt");
        var release = temp.Combine("release");
        // The database starts migrated: the children race for the key, not to migrate a fresh database.
        var children = Enumerable.Range(0, Processes)
            .Select(_ => ChildProcess.StartAssembly(BuiltProgram.TestHost, ["idempotent-caller", Database.ConnectionString, "make release", marker, release]))
            .ToList();
        try
        {
            // Each process looks at the key and goes to call the ledger ("waiting" when it found the key claimed already).
            Assert.All(children, c => Assert.Contains(c.ReadLine(), new[] { "waiting", "calling" }));

            // One of them claims the key and runs the command, and holds its claim until released: every other process
            // finds the key pending and waits for the outcome.
            using var timeout = new CancellationTokenSource(ChildProcess.DefaultTimeout);
            // A line ends with its newline once the executor has written it whole.
            while (!File.Exists(marker) || !File.ReadAllText(marker).EndsWith('\n'))
            {
                Assert.All(children, c => Assert.False(c.HasExited, $"child {c.Id} exited before the command ran: {c.Stderr}"));
                await Task.Delay(20, timeout.Token);
            }

            var executor = children.Single(c => c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == File.ReadAllLines(marker)[0]);
            Assert.Equal("executing", executor.ReadLine());
            await File.WriteAllTextAsync(release, "go", timeout.Token);

            var results = children.Select(c => (Child: c, Result: c.ReadToEnd().Trim())).ToList();
            Assert.All(children, c => Assert.True(c.WaitForExit() == 0, c.Stderr));

            Assert.Single(await File.ReadAllLinesAsync(marker, timeout.Token));
            // Every process got the executor's result; only the executor did not replay it.
            Assert.All(results, r => Assert.Equal($"result=ran in {executor.Id} replayed={(r.Child == executor ? "False" : "True")}", r.Result));
        }
        finally
        {
            children.ForEach(c => c.Dispose());
        }
    }
}

public sealed class IdempotencyProcessTests_Sqlite(SqliteProvider provider) : IdempotencyProcessTests<SqliteProvider>(provider);

public sealed class IdempotencyProcessTests_PostgreSql(PostgreSqlProvider provider) : IdempotencyProcessTests<PostgreSqlProvider>(provider);
